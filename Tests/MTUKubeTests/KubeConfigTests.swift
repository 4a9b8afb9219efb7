import Foundation
import MTUCore
import Testing

@testable import MTUKube

@Suite("kubeconfig, credentials, in-cluster")
struct KubeConfigTests {
    let directory: String = {
        let path = NSTemporaryDirectory() + "mtud-kc-\(getpid())-\(UUID().uuidString.prefix(6))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func write(_ name: String, _ text: String) -> String {
        let path = directory + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func mergesKUBECONFIGFirstWins() throws {
        let first = write(
            "a",
            """
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
              - name: prod
                cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
            users:
              - name: admin
                user: {token: first-token}
            contexts:
              - name: prod
                context: {cluster: prod, user: admin, namespace: kube-system}
            """)
        let second = write(
            "b",
            """
            current-context: lab
            clusters:
              - name: prod
                cluster: {server: "https://10.9.9.9:6443"}
              - name: lab
                cluster: {server: "https://lab.example:6443/"}
            users:
              - name: admin
                user: {token: second-token}
              - name: lab-user
                user: {client-certificate-data: \(Data("CERT".utf8).base64EncodedString()), client-key-data: \(Data("KEY".utf8).base64EncodedString())}
            contexts:
              - name: lab
                context: {cluster: lab, user: lab-user}
            """)
        let target = try KubeConfig.resolve(
            kubeconfig: nil, context: nil, environment: ["KUBECONFIG": "\(first):\(directory)/missing:\(second)"])
        #expect(target.context == "prod", "the first current-context wins")
        #expect(target.server == "https://10.0.0.1:6443", "the first definition of a cluster wins")
        #expect(target.credentials == .token("first-token"))
        #expect(target.namespace == "kube-system")
        #expect(target.insecureSkipTLSVerify)
        let lab = try KubeConfig.resolve(
            kubeconfig: nil, context: "lab", environment: ["KUBECONFIG": "\(first):\(second)"])
        #expect(lab.server == "https://lab.example:6443", "no trailing slash")
        #expect(lab.credentials == .clientCertificate(certificate: Array("CERT".utf8), key: Array("KEY".utf8)))
        #expect(lab.namespace == "default")
    }

    @Test func unknownContextNamesTheFlagAndTheKnownOnes() throws {
        let file = write(
            "c",
            """
            clusters: [{name: c, cluster: {server: "https://10.0.0.1"}}]
            contexts: [{name: one, context: {cluster: c}}, {name: two, context: {cluster: c}}]
            """)
        #expect(throws: KubeConfigError("--context: no context named 'three' in \(file) (known: one, two)")) {
            try KubeConfig.resolve(kubeconfig: file, context: "three", environment: [:])
        }
        #expect(throws: KubeConfigError("\(file): no current-context set; pick one with --context (known: one, two)")) {
            try KubeConfig.resolve(kubeconfig: file, context: nil, environment: [:])
        }
    }

    @Test func errorsSayFileLineAndField() throws {
        let missingUser = write(
            "d",
            """
            apiVersion: v1
            clusters:
              - name: c
                cluster:
                  server: https://10.0.0.1
            contexts:
              - name: x
                context:
                  cluster: c
                  user: ghost
            current-context: x
            """)
        #expect(throws: KubeConfigError("\(missingUser):9: context 'x' names user 'ghost', which no file defines")) {
            try KubeConfig.resolve(kubeconfig: missingUser, context: nil, environment: [:])
        }
        let noServer = write(
            "e",
            """
            clusters:
              - name: c
                cluster:
                  insecure-skip-tls-verify: true
            """)
        #expect(throws: KubeConfigError("\(noServer):4: clusters[0].cluster: missing 'server'")) {
            try KubeConfig.load(files: [noServer], requireAll: true)
        }
        let badBase64 = write(
            "f",
            """
            users:
              - name: u
                user:
                  client-certificate-data: "not base64!"
                  client-key-data: a2V5
            """)
        #expect(throws: KubeConfigError("\(badBase64):4: users[0].user.client-certificate-data: not valid base64")) {
            try KubeConfig.load(files: [badBase64], requireAll: true)
        }
        let halfPair = write("g", "users: [{name: u, user: {client-key-data: a2V5}}]\n")
        #expect(throws: KubeConfigError.self) { try KubeConfig.load(files: [halfPair], requireAll: true) }
        let badYAML = write("h", "clusters: [\n  - name: x\n")
        #expect(throws: KubeConfigError.self) { try KubeConfig.load(files: [badYAML], requireAll: true) }
        #expect(throws: KubeConfigError("--kubeconfig \(directory)/nope: cannot read the file")) {
            try KubeConfig.resolve(kubeconfig: directory + "/nope", context: nil, environment: [:])
        }
        let http = write(
            "i",
            "clusters: [{name: c, cluster: {server: 'ftp://x'}}]\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: a\n"
        )
        #expect(throws: KubeConfigError("\(http):1: server 'ftp://x' is not an https:// URL")) {
            try KubeConfig.resolve(kubeconfig: http, context: nil, environment: [:])
        }
    }

    @Test func filesAreRelativeToTheKubeconfig() throws {
        try FileManager.default.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
        _ = write("certs/ca.pem", "CA")
        _ = write("certs/me.pem", "ME")
        _ = write("certs/me.key", "KEY")
        let file = write(
            "rel",
            """
            clusters: [{name: c, cluster: {server: "https://10.0.0.1", certificate-authority: certs/ca.pem}}]
            users: [{name: u, user: {client-certificate: certs/me.pem, client-key: certs/me.key}}, {name: t, user: {tokenFile: certs/token}}]
            contexts: [{name: a, context: {cluster: c, user: u}}, {name: b, context: {cluster: c, user: t}}]
            current-context: a
            """)
        let target = try KubeConfig.resolve(kubeconfig: file, context: nil, environment: [:])
        #expect(target.certificateAuthority == Array("CA".utf8))
        #expect(target.credentials == .clientCertificate(certificate: Array("ME".utf8), key: Array("KEY".utf8)))
        let b = try KubeConfig.resolve(kubeconfig: file, context: "b", environment: [:])
        #expect(b.credentials == .tokenFile(directory + "/certs/token"))
    }

    @Test func execPluginConfig() throws {
        let file = write(
            "exec",
            """
            clusters: [{name: c, cluster: {server: "https://10.0.0.1"}}]
            users:
              - name: u
                user:
                  exec:
                    apiVersion: client.authentication.k8s.io/v1
                    command: ./get-token
                    args: [--cluster, west]
                    env: [{name: REGION, value: eu-west-1}]
                    installHint: install get-token from your platform team
            contexts: [{name: a, context: {cluster: c, user: u}}]
            current-context: a
            """)
        let target = try KubeConfig.resolve(kubeconfig: file, context: nil, environment: [:])
        guard case .exec(let plugin) = target.credentials else {
            Issue.record("expected exec")
            return
        }
        #expect(plugin.command == "./get-token")
        #expect(plugin.arguments == ["--cluster", "west"])
        #expect(plugin.environment == ["REGION": "eu-west-1"])
        #expect(plugin.directory == directory)
        let old = write(
            "exec-old",
            """
            users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha0, command: x}}}]
            """)
        #expect(throws: KubeConfigError.self) { try KubeConfig.load(files: [old], requireAll: true) }
    }

    @Test func execPluginRuns() throws {
        let good = write(
            "plugin-good",
            """
            #!/bin/sh
            # prints the ExecCredential kubectl expects; checks the environment the spec promises
            case "$KUBERNETES_EXEC_INFO" in *'"kind":"ExecCredential"'*) ;; *) echo "no exec info" >&2; exit 3;; esac
            [ "$REGION" = eu-west-1 ] || { echo "no REGION" >&2; exit 4; }
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s","expirationTimestamp":"2030-01-01T00:00:00Z"}}' "$1"
            """)
        chmod(good, 0o755)
        var plugin = KubeConfig.ExecPlugin(
            command: "./plugin-good", arguments: ["west"], environment: ["REGION": "eu-west-1"],
            apiVersion: "client.authentication.k8s.io/v1", directory: directory, installHint: nil)
        let result = try ExecCredential.run(plugin)
        #expect(result.token == "tok-west")
        #expect(result.expires != nil)

        let failing = write("plugin-fail", "#!/bin/sh\necho 'refresh token expired; run login' >&2\nexit 1\n")
        chmod(failing, 0o755)
        plugin.command = failing
        #expect(
            throws: KubeAPIError.credentials(
                "exec credential plugin '\(failing)': exited with status 1: refresh token expired; run login")
        ) {
            try ExecCredential.run(plugin)
        }
        let slow = write("plugin-slow", "#!/bin/sh\nexec sleep 30\n")
        chmod(slow, 0o755)
        plugin.command = slow
        let start = Date()
        #expect(
            throws: KubeAPIError.credentials(
                "exec credential plugin '\(slow)': no answer within 1 s (killed with its children)")
        ) {
            try ExecCredential.run(plugin, timeoutSeconds: 1)
        }
        #expect(Date().timeIntervalSince(start) < 5)
        // A plugin whose child sleeps holding the pipes: killed with its whole group at the deadline, not after 30 s.
        let orphaning = write("plugin-orphan", "#!/bin/sh\nsleep 30 &\nsleep 30\n")
        chmod(orphaning, 0o755)
        plugin.command = orphaning
        let orphanStart = Date()
        #expect(throws: KubeAPIError.self) { try ExecCredential.run(plugin, timeoutSeconds: 1) }
        #expect(Date().timeIntervalSince(orphanStart) < 5)
        // One that answers and leaves a child behind holding stdout: the answer is used as soon as the plugin exits.
        let leaving = write(
            "plugin-leave",
            "#!/bin/sh\n(sleep 30) &\nprintf '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}'\n")
        chmod(leaving, 0o755)
        plugin.command = leaving
        let leaveStart = Date()
        #expect(try ExecCredential.run(plugin, timeoutSeconds: 10).token == "t")
        #expect(Date().timeIntervalSince(leaveStart) < 5)
        // One that prints forever: stopped at the cap, memory bounded.
        let endless = write("plugin-endless", "#!/bin/sh\nexec yes ExecCredential\n")
        chmod(endless, 0o755)
        plugin.command = endless
        #expect(
            throws: KubeAPIError.credentials(
                "exec credential plugin '\(endless)': printed more than 1024 KiB (killed with its children)")
        ) {
            try ExecCredential.run(plugin, timeoutSeconds: 10)
        }
        // Escape sequences in its stderr are not printed raw.
        let escaping = write("plugin-escape", "#!/bin/sh\nprintf '\\033[2Jgone\\r' >&2\nexit 2\n")
        chmod(escaping, 0o755)
        plugin.command = escaping
        #expect(
            throws: KubeAPIError.credentials("exec credential plugin '\(escaping)': exited with status 2: ?[2Jgone")
        ) {
            try ExecCredential.run(plugin)
        }
        plugin.command = "mtud-no-such-plugin"
        plugin.installHint = "brew install something"
        #expect(
            throws: KubeAPIError.credentials(
                "exec credential plugin 'mtud-no-such-plugin': not found on PATH (brew install something)")
        ) {
            try ExecCredential.run(plugin)
        }
    }

    @Test func inClusterServiceAccount() throws {
        let sa = directory + "/sa"
        try FileManager.default.createDirectory(atPath: sa, withIntermediateDirectories: true)
        _ = write("sa/token", "sa-token\n")
        _ = write("sa/ca.crt", "CA")
        _ = write("sa/namespace", "mtu-doctor\n")
        let target = try KubeConfig.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: sa)
        #expect(target.server == "https://10.96.0.1:443")
        #expect(target.namespace == "mtu-doctor")
        #expect(target.credentials == .tokenFile(sa + "/token"))
        #expect(target.certificateAuthority == Array("CA".utf8))
        let v6 = try KubeConfig.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"], directory: sa)
        #expect(v6.server == "https://[fd00::1]:443")
        #expect(throws: KubeConfigError.self) { try KubeConfig.inCluster(environment: [:], directory: sa) }
        #expect(throws: KubeConfigError.self) {
            try KubeConfig.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                directory: directory + "/none")
        }
        // No kubeconfig anywhere and not in a pod: one line saying both.
        #expect(
            throws: KubeConfigError(
                "no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not inside a pod (KUBERNETES_SERVICE_HOST is not set)"
            )
        ) {
            try KubeConfig.resolve(kubeconfig: nil, context: nil, environment: ["HOME": directory])
        }
    }
}

/// The Kubernetes objects that run the agents: two DaemonSets (pod network and host network, so both pod-to-pod and
/// node/TEP paths are measured), their headless Services (peer discovery by DNS), a ServiceAccount with no API
/// rights beyond what discovery needs, and nothing privileged: non-root, read-only root filesystem, all
/// capabilities dropped but NET_RAW, resource limits.
public enum KubeManifests {
    public struct Options: Sendable {
        public var namespace = "mtu-doctor"
        /// The release's image (scripts/image.sh), never a floating tag.
        public var image = "mtu-doctor:0.1.0"
        /// The Secret holding the shared token (key `token`); created separately, never written here.
        public var tokenSecret = "mtu-doctor-token"
        public var interval = 60
        public var packetsPerSecond = 100
        public var podPort = 9464
        public var hostPort = 9465
        public var podResponderPort = 4790
        public var hostResponderPort = 4795
        /// How agents find each other: `dns` (the headless Services) or `kubernetes` (their pods, through the API,
        /// with the pod's service-account token mounted and the namespaced Role that may list pods).
        public var discovery = "dns"
        /// Networks the agents answer (HTTP API and responder): the private ranges pod and node addresses come from,
        /// unless `kube deploy --allow` names the cluster's own.
        public var allow = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]

        public init() {}
    }

    public static func render(_ options: Options = Options()) -> String {
        var documents = access(namespace: options.namespace)
        for network in AgentNetwork.allCases {
            let host = network == .host
            let port = host ? options.hostPort : options.podPort
            let responder = host ? options.hostResponderPort : options.podResponderPort
            let name = "mtu-doctor-agent-\(network)"
            documents.append(service(name, namespace: options.namespace, port: port, responder: responder))
            documents.append(daemonSet(name, host: host, port: port, responder: responder, options: options))
        }
        return documents.map { "---\n" + $0 }.joined(separator: "\n") + "\n"
    }

    /// The namespace, the agents' service account and the least-privilege RBAC: a mesh reader Role, bound, and an
    /// auditor ClusterRole, not bound.
    /// Long: five YAML documents written as they read.
    static func access(namespace ns: String) -> [String] {
        var documents: [String] = []
        documents.append(
            """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: \(ns)
              labels:
                app.kubernetes.io/name: mtu-doctor
                pod-security.kubernetes.io/enforce: baseline
            """)
        documents.append(
            """
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: mtu-doctor-agent
              namespace: \(ns)
            automountServiceAccountToken: false
            """)
        documents.append(
            """
            # Least privilege: the agents discover peers through the headless Services' DNS and need no API access.
            # `mtu-doctor kube mesh` run by a user reads the agents over HTTP, not through the API either. This Role
            # only lets a mesh collector list the agent pods of this namespace (to find them without DNS).
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: mtu-doctor-mesh-reader
              namespace: \(ns)
            rules:
              - apiGroups: [""]
                resources: ["pods"]
                verbs: ["get", "list"]
            """)
        documents.append(
            """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: mtu-doctor-mesh-reader
              namespace: \(ns)
            subjects:
              - kind: ServiceAccount
                name: mtu-doctor-agent
                namespace: \(ns)
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: Role
              name: mtu-doctor-mesh-reader
            """)
        documents.append(
            """
            # For `mtu-doctor kube audit` run by a person or a CronJob: read-only, the CNI ConfigMaps by name only.
            # Not bound here; bind it to whoever audits:
            #   kubectl create clusterrolebinding mtu-doctor-audit --clusterrole=mtu-doctor-auditor --user=NAME
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: mtu-doctor-auditor
            rules:
              - apiGroups: [""]
                resources: ["nodes"]
                verbs: ["list"]
              - apiGroups: ["apps"]
                resources: ["daemonsets"]
                verbs: ["list"]
              - apiGroups: [""]
                resources: ["configmaps"]
                resourceNames: ["calico-config", "cilium-config", "kube-flannel-cfg", "canal-config"]
                verbs: ["get"]
              - apiGroups: ["operator.tigera.io"]
                resources: ["installations"]
                verbs: ["get"]
              - apiGroups: ["crd.projectcalico.org"]
                resources: ["felixconfigurations"]
                verbs: ["get"]
              - apiGroups: ["crd.projectcalico.org"]
                resources: ["ippools"]
                verbs: ["list"]
            """)
        return documents
    }

    /// The headless Service whose DNS name resolves to every agent of one DaemonSet.
    static func service(_ name: String, namespace ns: String, port: Int, responder: Int) -> String {
        return
            """
            # Headless: its DNS name resolves to every agent, which is how each finds its peers.
            apiVersion: v1
            kind: Service
            metadata:
              name: \(name)
              namespace: \(ns)
              labels:
                app.kubernetes.io/name: mtu-doctor
                app.kubernetes.io/component: \(name)
            spec:
              clusterIP: None
              publishNotReadyAddresses: true
              selector:
                app.kubernetes.io/component: \(name)
              ports:
                - name: http
                  port: \(port)
                - name: responder
                  port: \(responder)
                  protocol: UDP
            """
    }

    /// One agent DaemonSet: on the pod network (`host` false) or the node's (`host` true), under the security
    /// context scripts/test-image.sh reproduces.
    /// Long: one YAML document written as it reads.
    static func daemonSet(_ name: String, host: Bool, port: Int, responder: Int, options: Options) -> String {
        let ns = options.namespace
        let sysctls =
            host
            ? ""
            : """

                  sysctls:
                    # ICMP datagram sockets for any group: probes need no raw socket inside the pod network.
                    - name: net.ipv4.ping_group_range
                      value: "0 2147483647"
            """
        return
            """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata:
              name: \(name)
              namespace: \(ns)
              labels:
                app.kubernetes.io/name: mtu-doctor
                app.kubernetes.io/component: \(name)
            spec:
              selector:
                matchLabels:
                  app.kubernetes.io/component: \(name)
              updateStrategy:
                rollingUpdate:
                  maxUnavailable: 10%
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: mtu-doctor
                    app.kubernetes.io/component: \(name)
                  annotations:
                    prometheus.io/scrape: "true"
                    prometheus.io/port: "\(port)"
                spec:
                  serviceAccountName: mtu-doctor-agent
                  automountServiceAccountToken: \(options.discovery == "kubernetes")
                  hostNetwork: \(host)
                  dnsPolicy: \(host ? "ClusterFirstWithHostNet" : "ClusterFirst")
                  tolerations:
                    - operator: Exists
                  securityContext:
                    runAsNonRoot: true
                    runAsUser: 65532
                    runAsGroup: 65532
                    seccompProfile:
                      type: RuntimeDefault\(sysctls)
                  containers:
                    - name: agent
                      image: \(options.image)
                      args:
                        - agent
                        - --node=$(NODE_NAME)
                        - \(options.discovery == "kubernetes" ? "--kube-selector=app.kubernetes.io/component=\(name)" : "--dns=\(name).\(ns).svc.cluster.local")
                        - --listen=\(port)
                        - --responder-port=\(responder)
                        - --interval=\(options.interval)
                        - --pps=\(options.packetsPerSecond)
                        - --allow=\(options.allow.joined(separator: ","))
                      env:
                        - name: NODE_NAME
                          valueFrom:
                            fieldRef:
                              fieldPath: spec.nodeName
                        - name: MTU_DOCTOR_TOKEN
                          valueFrom:
                            secretKeyRef:
                              name: \(options.tokenSecret)
                              key: token
                      ports:
                        - name: http
                          containerPort: \(port)
                        - name: responder
                          containerPort: \(responder)
                          protocol: UDP
                      livenessProbe:
                        httpGet:
                          path: /healthz
                          port: \(port)
                        periodSeconds: 20
                      readinessProbe:
                        httpGet:
                          path: /readyz
                          port: \(port)
                        periodSeconds: 10
                      resources:
                        requests:
                          cpu: 10m
                          memory: 16Mi
                        limits:
                          cpu: 200m
                          memory: 64Mi
                      securityContext:
                        allowPrivilegeEscalation: false
                        readOnlyRootFilesystem: true
                        # NET_RAW reaches the image's user (65532) through the binary's permitted-only file
                        # capability (scripts/image.sh): Kubernetes gives a non-root user no ambient capabilities.
                        capabilities:
                          drop: ["ALL"]
                          add: ["NET_RAW"]
            """
    }
}

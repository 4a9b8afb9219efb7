import Foundation

/// One step of a CNI fix: the command a user runs, and — where the step changes an object — the same change as data,
/// so a test can apply it to the saved objects and audit again (a fix that does not fix fails there).
public struct CNIFixStep: Sendable, Equatable {
    public var command: String
    public var patch: ObjectPatch?

    public init(_ command: String, patch: ObjectPatch? = nil) {
        self.command = command
        self.patch = patch
    }
}

/// A change to one saved Kubernetes object.
public struct ObjectPatch: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        /// Set the value at a key path (`["spec", "calicoNetwork", "mtu"]`), creating objects on the way.
        case set(path: [String], value: JSONValue)
        /// Set a literal environment variable on every container of a DaemonSet that has it, else on the first.
        case setEnv(name: String, value: String)
    }

    public var kind: String
    public var namespace: String?
    public var name: String
    public var change: Change

    public init(kind: String, namespace: String?, name: String, change: Change) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.change = change
    }

    /// Applies the change to the matching object; returns false when no such object was saved.
    @discardableResult
    public func apply(to objects: inout ClusterObjects) -> Bool {
        switch kind {
        case "ConfigMap":
            let key = "\(namespace ?? "default")/\(name)"
            guard let object = objects.configMaps[key] else { return false }
            objects.configMaps[key] = changed(object)
            return true
        case "Installation":
            guard let object = objects.calicoInstallation else { return false }
            objects.calicoInstallation = changed(object)
            return true
        case "FelixConfiguration":
            objects.felixConfiguration = changed(
                objects.felixConfiguration
                    ?? .object([
                        "kind": .string("FelixConfiguration"), "metadata": .object(["name": .string("default")]),
                    ]))
            return true
        case "DaemonSet":
            guard
                let index = objects.daemonSets.firstIndex(where: {
                    $0[path: "metadata.name"].string == name
                        && ($0[path: "metadata.namespace"].string ?? "default") == (namespace ?? "default")
                })
            else { return false }
            objects.daemonSets[index] = changed(objects.daemonSets[index])
            return true
        default:
            return false
        }
    }

    func changed(_ object: JSONValue) -> JSONValue {
        switch change {
        case .set(let path, let value):
            return object.setting(path[...], to: value)
        case .setEnv(let name, let value):
            var containers = object[path: "spec.template.spec.containers"].array
            let holders = containers.indices.filter {
                containers[$0]["env"].array.contains { $0["name"].string == name }
            }
            for index in holders.isEmpty ? Array(containers.indices.prefix(1)) : holders {
                var env = containers[index]["env"].array.filter { $0["name"].string != name }
                env.append(.object(["name": .string(name), "value": .string(value)]))
                containers[index] = containers[index].setting(["env"][...], to: .array(env))
            }
            return object.setting(["spec", "template", "spec", "containers"][...], to: .array(containers))
        }
    }
}

extension JSONValue {
    public func setting(_ path: ArraySlice<String>, to value: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        var object = self.object
        object[first] = (object[first] ?? .null).setting(path.dropFirst(), to: value)
        return .object(object)
    }

    /// Compact JSON with sorted keys (whole numbers without a fraction), for the text of a ConfigMap key.
    public var compactJSON: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            return value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .string(let value):
            let data = (try? JSONEncoder().encode(value)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        case .array(let values): return "[" + values.map(\.compactJSON).joined(separator: ",") + "]"
        case .object(let object):
            return "{"
                + object.keys.sorted().map { JSONValue.string($0).compactJSON + ":" + object[$0]!.compactJSON }.joined(
                    separator: ",") + "}"
        }
    }
}

extension KubeAuditor {
    /// The value to give the CNI's knob so that its pods get at most `podMTU`: the pod MTU itself for a pod knob;
    /// for a base knob (Cilium's `mtu`, Flannel's `Backend.MTU`) the underlay's MTU, or less where the CNI reserves
    /// fewer bytes than the wire needs.
    public static func knobValue(_ settings: CNISettings, podMTU: Int, underlayMTU: Int?) -> Int {
        guard settings.usesBaseKnob, let reserved = settings.reservedOverhead else { return podMTU }
        return min(underlayMTU ?? Int.max, podMTU + reserved)
    }

    /// The steps that set the pod MTU to at most `mtu` for this CNI, with the names and install method found in the
    /// objects; the comments say what else to do.
    public static func fixPlan(_ settings: CNISettings, objects: ClusterObjects, mtu: Int, underlayMTU: Int?)
        -> [CNIFixStep]
    {
        let plan = FixPlan(settings: settings, objects: objects, mtu: mtu, underlayMTU: underlayMTU)
        switch settings.name {
        case .calico where settings.install == .operator: return plan.calicoOperator()
        case .calico, .canal: return plan.calicoManifest()
        case .cilium: return plan.cilium()
        case .flannel: return plan.flannel()
        case .awsVPCCNI: return plan.awsVPC()
        default:
            return [
                CNIFixStep("# set the pod MTU to \(mtu) in the CNI's configuration (/etc/cni/net.d on each node)"),
                plan.restartPods,
            ]
        }
    }

    /// One CNI's fix: which object holds its MTU knob (upstream sources in CNI.swift), how it was installed, what to
    /// restart.
    struct FixPlan {
        let settings: CNISettings
        let objects: ClusterObjects
        /// The pod MTU wanted.
        let mtu: Int
        /// The knob's value: `mtu`, or for a CNI whose knob sizes the network below the overlay, `mtu` plus what it
        /// reserves.
        let value: Int
        let namespace: String
        let daemonSet: String
        let restart: CNIFixStep
        let restartPods = CNIFixStep(
            "# existing pods keep their MTU until recreated: restart workloads or drain nodes one by one")

        init(settings: CNISettings, objects: ClusterObjects, mtu: Int, underlayMTU: Int?) {
            self.settings = settings
            self.objects = objects
            self.mtu = mtu
            value = KubeAuditor.knobValue(settings, podMTU: mtu, underlayMTU: underlayMTU)
            namespace = settings.namespace ?? "kube-system"
            daemonSet = settings.daemonSet ?? settings.name.rawValue
            restart = CNIFixStep("kubectl -n \(namespace) rollout restart daemonset \(daemonSet)")
        }

        func configMapPatch(_ map: String, key: String, text: String) -> CNIFixStep {
            let body = JSONValue.object(["data": .object([key: .string(text)])]).compactJSON
            return CNIFixStep(
                "kubectl -n \(namespace) patch configmap \(map) --type=merge -p '\(body)'",
                patch: ObjectPatch(
                    kind: "ConfigMap", namespace: namespace, name: map,
                    change: .set(path: ["data", key], value: .string(text))))
        }

        /// The operator owns calico-node: its Installation's mtu.
        func calicoOperator() -> [CNIFixStep] {
            var steps = [
                CNIFixStep(
                    #"kubectl patch installation default --type=merge -p '{"spec":{"calicoNetwork":{"mtu":\#(mtu)}}}'"#,
                    patch: ObjectPatch(
                        kind: "Installation", namespace: nil, name: "default",
                        change: .set(path: ["spec", "calicoNetwork", "mtu"], value: .number(Double(mtu)))))
            ]
            steps.append(
                CNIFixStep(
                    "# or, if the operator was installed with Helm: helm upgrade calico projectcalico/tigera-operator -n tigera-operator --reuse-values --set installation.calicoNetwork.mtu=\(mtu)"
                ))
            steps.append(CNIFixStep("# the operator rolls calico-node out again with the new MTU"))
            steps.append(restartPods)
            return steps
        }

        /// Manifest installs (and Canal): veth_mtu, calico-node's literal FELIX_*MTU, FelixConfiguration.
        func calicoManifest() -> [CNIFixStep] {
            var steps: [CNIFixStep] = []
            if let map = settings.configMap { steps.append(configMapPatch(map, key: "veth_mtu", text: "\(mtu)")) }
            let envName =
                settings.encapsulation.outermost == .wireguard
                ? "FELIX_WIREGUARDMTU"
                : settings.encapsulation.outermost == .ipip ? "FELIX_IPINIPMTU" : "FELIX_VXLANMTU"
            let literalEnv =
                objects.daemonSets.map(DaemonSetView.init).first { $0.name == daemonSet && $0.namespace == namespace }
                .flatMap { view -> Bool? in
                    if case .literal? = view.env(envName, configMaps: objects.configMaps) { return true }
                    return nil
                } ?? false
            if literalEnv {
                steps.append(
                    CNIFixStep(
                        "kubectl -n \(namespace) set env daemonset/\(daemonSet) \(envName)=\(mtu)",
                        patch: ObjectPatch(
                            kind: "DaemonSet", namespace: namespace, name: daemonSet,
                            change: .setEnv(name: envName, value: "\(mtu)"))))
            }
            if settings.sources.contains(where: { $0.field.hasPrefix("FelixConfiguration") && $0.effective })
                || (settings.configMap == nil && !literalEnv)
            {
                let key =
                    settings.encapsulation.outermost == .wireguard
                    ? "wireguardMTU" : settings.encapsulation.outermost == .ipip ? "ipipMTU" : "vxlanMTU"
                steps.append(
                    CNIFixStep(
                        #"kubectl patch felixconfiguration default --type=merge -p '{"spec":{"\#(key)":\#(mtu)}}'"#,
                        patch: ObjectPatch(
                            kind: "FelixConfiguration", namespace: nil, name: "default",
                            change: .set(path: ["spec", key], value: .number(Double(mtu))))))
            }
            steps.append(restart)
            if let release = settings.helmRelease {
                steps.append(
                    CNIFixStep(
                        "# Helm release \(release) renders these objects: set the same value in its chart values, or the next upgrade undoes it"
                    ))
            }
            steps.append(restartPods)
            return steps
        }

        /// cilium-config's mtu (Helm's MTU value): the network below the overlay.
        func cilium() -> [CNIFixStep] {
            var steps: [CNIFixStep] = []
            let patch = ObjectPatch(
                kind: "ConfigMap", namespace: namespace, name: settings.configMap ?? "cilium-config",
                change: .set(path: ["data", "mtu"], value: .string("\(value)")))
            let comment =
                "   # Cilium's mtu is the network below the overlay: pods get \(value) − \(settings.reservedOverhead ?? 0) = \(value - (settings.reservedOverhead ?? 0))"
            if let release = settings.helmRelease {
                steps.append(
                    CNIFixStep(
                        "helm upgrade \(release) cilium/cilium -n \(namespace) --reuse-values --set MTU=\(value)"
                            + comment, patch: patch))
                steps.append(
                    CNIFixStep(
                        #"# or without Helm: kubectl -n \#(namespace) patch configmap \#(patch.name) --type=merge -p '{"data":{"mtu":"\#(value)"}}' && kubectl -n \#(namespace) rollout restart daemonset \#(daemonSet)"#
                    ))
            } else {
                var step = configMapPatch(patch.name, key: "mtu", text: "\(value)")
                step.command += comment
                steps.append(step)
                steps.append(restart)
                steps.append(
                    CNIFixStep(
                        "# installed with Helm or the cilium CLI? helm upgrade RELEASE cilium/cilium -n \(namespace) --reuse-values --set MTU=\(value) instead: a hand edit is lost on the next upgrade"
                    ))
            }
            steps.append(restartPods)
            return steps
        }

        /// net-conf.json's Backend.MTU, or the CNI delegate's mtu when that is what decides.
        func flannel() -> [CNIFixStep] {
            guard let map = settings.configMap, let config = objects.configMaps["\(namespace)/\(map)"] else {
                // No saved ConfigMap to rewrite exactly: say which key to set.
                return [
                    CNIFixStep(
                        "kubectl -n \(namespace) edit configmap \(settings.configMap ?? "kube-flannel-cfg")   # net-conf.json: in \"Backend\" set \"MTU\": \(value) (pods get \(value) − \(settings.reservedOverhead ?? 0))"
                    ),
                    restart, restartPods,
                ]
            }
            var steps: [CNIFixStep] = []
            let delegateIsEffective = settings.sources.contains { $0.field.contains("delegate.mtu") }
            if delegateIsEffective,
                var cniConf = config["data"]["cni-conf.json"].string.flatMap({ JSONValue.parse(Array($0.utf8)) })
            {
                if !cniConf["plugins"].array.isEmpty {
                    let plugins = cniConf["plugins"].array.map { plugin in
                        plugin["type"].string == "flannel"
                            ? plugin.setting(["delegate", "mtu"][...], to: .number(Double(mtu))) : plugin
                    }
                    cniConf = cniConf.setting(["plugins"][...], to: .array(plugins))
                } else {
                    cniConf = cniConf.setting(["delegate", "mtu"][...], to: .number(Double(mtu)))
                }
                steps.append(configMapPatch(map, key: "cni-conf.json", text: cniConf.compactJSON))
            } else {
                let netConf =
                    config["data"]["net-conf.json"].string.flatMap { JSONValue.parse(Array($0.utf8)) } ?? .object([:])
                let backendKey = netConf.object.keys.first { $0.lowercased() == "backend" } ?? "Backend"
                var backend = netConf[backendKey]
                if backend.isNull { backend = .object(["Type": .string("udp")]) }
                let mtuKey = backend.object.keys.first { $0.lowercased() == "mtu" } ?? "MTU"
                backend = backend.setting([mtuKey][...], to: .number(Double(value)))
                var step = configMapPatch(
                    map, key: "net-conf.json", text: netConf.setting([backendKey][...], to: backend).compactJSON)
                step.command += "   # Backend.MTU: pods get \(value) − \(settings.reservedOverhead ?? 0)"
                steps.append(step)
            }
            steps.append(restart)
            if let release = settings.helmRelease {
                steps.append(
                    CNIFixStep(
                        "# Helm release \(release) renders \(map): the edit is lost on the next helm upgrade; carry it into the chart's values (flannel.cniConf, or the net-conf template)"
                    ))
            }
            steps.append(restartPods)
            return steps
        }

        /// aws-node's POD_MTU.
        func awsVPC() -> [CNIFixStep] {
            var steps = [
                CNIFixStep(
                    "kubectl -n \(namespace) set env daemonset \(daemonSet) POD_MTU=\(mtu)",
                    patch: ObjectPatch(
                        kind: "DaemonSet", namespace: namespace, name: daemonSet,
                        change: .setEnv(name: "POD_MTU", value: "\(mtu)")))
            ]
            if let release = settings.helmRelease {
                steps.append(
                    CNIFixStep(
                        "# or with Helm: helm upgrade \(release) eks/aws-vpc-cni -n \(namespace) --reuse-values --set env.POD_MTU=\(mtu)"
                    ))
            }
            steps.append(
                CNIFixStep(
                    "# AWS_VPC_ENI_MTU sizes the nodes' own ENIs: lower it too only if host-network traffic crosses the same path"
                ))
            steps.append(restartPods)
            return steps
        }
    }
}

extension CNISettings {
    /// Whether the CNI's MTU knob sizes the network below the overlay (pods get it minus what the CNI reserves).
    public var usesBaseKnob: Bool {
        name == .cilium || (name == .flannel && !sources.contains { $0.field.contains("delegate.mtu") })
    }
}

extension CNISettings {
    /// A CNI as a topology file names it (no cluster objects to read): its usual install and names, and its own
    /// rules for this encapsulation — so `check` and `diagnose` phrase the same fix as `kube audit`.
    public static func assumed(_ provider: OverlayProvider, encapsulation: EncapsulationStack, ipv6: Bool = false)
        -> CNISettings?
    {
        let kinds = encapsulation.layers.map { layer -> String in
            switch layer {
            case .vxlan: return "vxlan"
            case .geneve: return "geneve"
            case .ipip: return "ipip"
            case .wireguard: return "wireguard"
            default: return "other"
            }
        }
        switch provider {
        case .calico:
            var settings = CNISettings(name: .calico, encapsulation: kinds.last ?? "none", install: .operator)
            settings.namespace = "calico-system"
            settings.daemonSet = "calico-node"
            settings.reservedOverhead = CNIRules.calicoReserved(settings.encapsulation.description, ipv6: ipv6)
            return settings
        case .cilium:
            let tunnel = kinds.first { $0 == "vxlan" || $0 == "geneve" } ?? "none"
            let overhead = CNIRules.cilium(
                version: nil, tunnel: tunnel, underlayIPv6: ipv6, wireguard: kinds.contains("wireguard"), ipsec: false)
            var settings = CNISettings(name: .cilium, encapsulation: overhead.wire, install: .helm)
            settings.namespace = "kube-system"
            settings.daemonSet = "cilium"
            settings.configMap = "cilium-config"
            settings.helmRelease = "cilium"
            settings.reservedOverhead = overhead.bytes
            settings.rules = overhead.rules
            return settings
        case .flannel:
            let backend = kinds.first ?? "vxlan"
            guard let rule = CNIRules.flannelBackend(backend) else { return nil }
            var settings = CNISettings(name: .flannel, encapsulation: rule.wire, install: .configmap)
            settings.namespace = "kube-flannel"
            settings.daemonSet = "kube-flannel-ds"
            settings.configMap = "kube-flannel-cfg"
            settings.reservedOverhead = rule.reserved
            return settings
        case .nsx, .linux, .generic:
            return nil
        }
    }
}

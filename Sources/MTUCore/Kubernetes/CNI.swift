import Foundation

extension CNISettings {
    /// Records the CNI's DaemonSet: how it was found, where its objects live, its Helm release and version.
    mutating func take(_ daemonSet: DaemonSetView, version image: (String) -> Bool) {
        detectedBy.append("DaemonSet \(daemonSet.id)")
        namespace = daemonSet.namespace
        self.daemonSet = daemonSet.name
        helmRelease = daemonSet.helmRelease
        version = daemonSet.version(image: image).map(\.description)
    }

    /// The CNI's settings were expected in a ConfigMap that was not given: say what was assumed and what to save.
    mutating func assumeWithout(
        configMap: String, defaultNamespace: String, encapsulation: String, reserved: Int, assumption: String
    ) {
        self.encapsulation = WireEncapsulation(encapsulation)
        reservedOverhead = reserved
        notes.append("\(configMap) was not given: assuming \(assumption)")
        missing.append("kubectl -n \(namespace ?? defaultNamespace) get configmap \(configMap) -o yaml")
    }
}

/// The objects an audit reads; any of them may be missing (not installed, or not readable: see the gaps).
public struct ClusterObjects: Sendable {
    public var nodes: [JSONValue] = []
    /// Every DaemonSet the audit could list (all namespaces, or the CNI namespaces one by one).
    public var daemonSets: [JSONValue] = []
    /// ConfigMaps by `namespace/name`.
    public var configMaps: [String: JSONValue] = [:]
    public var calicoInstallation: JSONValue?
    public var felixConfiguration: JSONValue?
    public var calicoIPPools: [JSONValue] = []

    public init() {}
}

/// A DaemonSet's identity and its containers' environment, values from ConfigMaps resolved where the map was saved.
struct DaemonSetView {
    var namespace: String
    var name: String
    var object: JSONValue

    init(_ object: JSONValue) {
        self.object = object
        namespace = object[path: "metadata.namespace"].string ?? "default"
        name = object[path: "metadata.name"].string ?? ""
    }

    var id: String { "\(namespace)/\(name)" }
    var containers: [JSONValue] {
        object[path: "spec.template.spec.containers"].array + object[path: "spec.template.spec.initContainers"].array
    }
    var helmRelease: String? { object[path: "metadata.annotations"]["meta.helm.sh/release-name"].string }
    var ownerKinds: [String] { object[path: "metadata.ownerReferences"].array.compactMap { $0["kind"].string } }

    /// The image tag's version of the first container whose image names `repository` (e.g. `cilium`, `node`).
    func version(image matches: (String) -> Bool) -> CNIRules.Version? {
        for container in containers {
            if let image = container["image"].string, matches(image), let version = CNIRules.Version(image: image) {
                return version
            }
        }
        return nil
    }

    enum EnvValue: Equatable {
        case literal(String)
        /// From a ConfigMap key: the value when the map was saved, else nil.
        case configMap(name: String, key: String, value: String?)
        case other
    }

    /// `name` in any container's env (the first one found).
    func env(_ name: String, configMaps: [String: JSONValue]) -> EnvValue? {
        for container in containers {
            for variable in container["env"].array where variable["name"].string == name {
                if let value = variable["value"].string { return .literal(value) }
                let reference = variable[path: "valueFrom.configMapKeyRef"]
                if let map = reference["name"].string, let key = reference["key"].string {
                    return .configMap(
                        name: map, key: key, value: configMaps["\(namespace)/\(map)"]?["data"][key].string)
                }
                return .other
            }
        }
        return nil
    }
}

public enum CNIReader {
    /// Every CNI the objects show (an AWS VPC CNI cluster may run Calico for policy only; Canal is Calico's CNI
    /// plugin over Flannel). The first one carries the pod traffic.
    public static func detect(_ objects: ClusterObjects) -> [CNISettings] {
        let daemonSets = objects.daemonSets.map(DaemonSetView.init)
        func daemonSet(_ match: (String) -> Bool) -> DaemonSetView? { daemonSets.first { match($0.name) } }
        func configMap(named name: String) -> (String, JSONValue)? {
            objects.configMaps.sorted { $0.key < $1.key }.first { $0.key.hasSuffix("/\(name)") }.map {
                ($0.key, $0.value)
            }
        }
        var found: [CNISettings] = []
        if let aws = daemonSet({ $0 == "aws-node" }) {
            found.append(self.aws(aws, objects: objects))
        }
        if let cilium = configMap(named: "cilium-config") ?? daemonSet({ $0 == "cilium" }).map({ ("", $0.object) }) {
            found.append(
                self.cilium(objects, config: cilium.0.isEmpty ? nil : cilium, daemonSet: daemonSet { $0 == "cilium" }))
        }
        let canalConfig = configMap(named: "canal-config")
        let canalDaemonSet = daemonSet { $0 == "canal" }
        if canalConfig != nil || canalDaemonSet != nil {
            found.append(canal(objects, config: canalConfig, daemonSet: canalDaemonSet))
        } else {
            let flannelDaemonSet = daemonSet { $0.hasPrefix("kube-flannel") || $0 == "flannel" }
            let flannelConfig = configMap(named: "kube-flannel-cfg")
            if flannelDaemonSet != nil || flannelConfig != nil {
                found.append(flannel(flannelConfig?.1, name: flannelConfig?.0, daemonSet: flannelDaemonSet))
            }
        }
        let calicoDaemonSet = daemonSet { $0 == "calico-node" }
        if calicoDaemonSet != nil || objects.calicoInstallation != nil || configMap(named: "calico-config") != nil {
            var calico = self.calico(objects, daemonSet: calicoDaemonSet)
            if let carrier = found.first(where: {
                $0.name == .flannel || $0.name == .awsVPCCNI || $0.name == .canal
            }) {
                calico.policyOnly = true
                calico.encapsulation = .none
                calico.missing = []
                calico.notes.append(
                    "Calico runs for network policy here; \(carrier.name) carries the pod traffic and sets the pod MTU")
                found.append(calico)
            } else {
                found.insert(calico, at: 0)
            }
        }
        return found
    }

    // MARK: Calico

    /// Calico, operator or manifest install. Felix's precedence (projectcalico/calico felix/config/config_params.go:
    /// `EnvironmentVariable` outranks `DatastorePerHost` and `DatastoreGlobal`; an empty value is ignored, "0" is a
    /// value): a `FELIX_VXLANMTU` on calico-node — which manifest installs take from calico-config's `veth_mtu`, and
    /// the operator sets from the Installation's mtu — beats FelixConfiguration's `vxlanMTU`, even when it is 0
    /// (auto). The pod MTU is the CNI plugin's `mtu` (veth_mtu / Installation mtu) when non-zero, else the smallest
    /// MTU of the enabled encapsulations (felix/dataplane/linux/int_dataplane.go `determinePodMTU`).
    /// Long: Felix's precedence read in its own order, source by source, so it can be checked against upstream.
    static func calico(
        _ objects: ClusterObjects, daemonSet: DaemonSetView?, flavour: CNISettings.Name = .calico,
        configMapName: String = "calico-config"
    ) -> CNISettings {
        var settings = CNISettings(name: flavour)
        let installation = objects.calicoInstallation
        let operatorSigns =
            installation != nil || daemonSet?.namespace == "calico-system"
            || daemonSet?.ownerKinds.contains("Installation") == true
        settings.install = operatorSigns ? .operator : .manifest
        if let daemonSet {
            settings.take(
                daemonSet,
                version: { $0.contains("calico/node") || $0.contains("/node:") || $0.contains("calico-node") })
        }
        if let installation {
            settings.detectedBy.append("Installation \(installation[path: "metadata.name"].string ?? "default")")
        }
        if operatorSigns && installation == nil {
            settings.missing.append(
                "kubectl get installations.operator.tigera.io default -o yaml   # the operator's Installation: it owns calico-node's MTU"
            )
        }
        let config = objects.configMaps.first { $0.key.hasSuffix("/\(configMapName)") }
        if let config {
            settings.detectedBy.append("ConfigMap \(config.key)")
            settings.configMap = configMapName
            if settings.namespace == nil {
                settings.namespace = String(config.key.split(separator: "/").first ?? "kube-system")
            }
        }
        if settings.namespace == nil { settings.namespace = operatorSigns ? "calico-system" : "kube-system" }
        if settings.daemonSet == nil { settings.daemonSet = flavour == .canal ? "canal" : "calico-node" }
        let ipv6 =
            objects.nodes.contains { node in
                node[path: "status.addresses"].array.contains {
                    $0["type"].string == "InternalIP" && ($0["address"].string ?? "").contains(":")
                }
            }
            && !objects.nodes.contains { node in
                node[path: "status.addresses"].array.contains {
                    $0["type"].string == "InternalIP" && !($0["address"].string ?? ":").contains(":")
                }
            }

        let mode = calicoMode(
            objects, installation: installation, daemonSet: daemonSet, config: config, configMapName: configMapName,
            settings: &settings)
        var encapsulation = mode.hasPrefix("VXLAN") ? "vxlan" : mode.hasPrefix("IPIP") ? "ipip" : "none"
        settings.crossSubnetOnly = mode.hasSuffix("CrossSubnet")

        let felix = objects.felixConfiguration
        func felixEnv(_ name: String) -> DaemonSetView.EnvValue? {
            daemonSet?.env(name, configMaps: objects.configMaps)
        }
        var wireguard = felix?[path: "spec.wireguardEnabled"].bool == true
        if case .literal(let text)? = felixEnv("FELIX_WIREGUARDENABLED") {
            wireguard = JSONValue.string(text).bool ?? wireguard
        }
        if wireguard {
            // Calico's WireGuard device carries all inter-node pod traffic, in place of VXLAN/IPIP, in every subnet.
            encapsulation = "wireguard"
            settings.crossSubnetOnly = false
        }
        settings.encapsulation = WireEncapsulation(encapsulation)
        settings.reservedOverhead = CNIRules.calicoReserved(encapsulation, ipv6: ipv6)
        settings.rules =
            "Calico\(settings.version.map { " \($0)" } ?? ""): \(encapsulation == "none" ? "no encapsulation" : "\(encapsulation) reserves \(settings.reservedOverhead!) B") (felix/dataplane/linux/int_dataplane.go)"

        var felixMTU = calicoFelixMTU(
            objects, daemonSet: daemonSet, operatorSigns: operatorSigns, config: config, configMapName: configMapName,
            encapsulation: encapsulation, settings: &settings)
        let cniMTU = calicoPluginMTU(
            installation: installation, config: config, felixMTU: &felixMTU, settings: &settings)
        if let cniMTU {
            settings.configuredPodMTU = cniMTU
        } else if let felixMTU {
            settings.configuredPodMTU = felixMTU
        }
        if settings.configuredPodMTU == nil,
            let version = settings.version.flatMap({ CNIRules.Version(image: ":" + $0) }),
            version < CNIRules.calicoAutoMTUSince, let fixed = CNIRules.calicoDefaultMTU(encapsulation)
        {
            // Before automatic MTU detection, 0 was not a value: Felix's defaults applied whatever the host.
            settings.configuredPodMTU = fixed
            settings.rules =
                (settings.rules ?? "")
                + "; before \(CNIRules.calicoAutoMTUSince) no auto-detection: Felix's default \(fixed) (projectcalico/felix#2511)"
        }
        if settings.configuredPodMTU == nil {
            settings.notes.append(
                "no MTU set: Calico gives pods each node's interface MTU minus \(settings.reservedOverhead ?? 0) B")
        }
        return settings
    }

    /// Calico's encapsulation mode: IP pools, else the operator's ipPools, else calico-node's default-pool
    /// environment, else calico_backend, else Calico's default IPIP (said in the notes, with what to save).
    static func calicoMode(
        _ objects: ClusterObjects, installation: JSONValue?, daemonSet: DaemonSetView?,
        config: (key: String, value: JSONValue)?, configMapName: String, settings: inout CNISettings
    ) -> String {
        var modes: [String] = []
        var modeSource = ""
        for pool in objects.calicoIPPools where pool[path: "spec.disabled"].bool != true {
            let vxlan = pool[path: "spec.vxlanMode"].string ?? "Never"
            let ipip = pool[path: "spec.ipipMode"].string ?? "Never"
            if vxlan != "Never" {
                modes.append(vxlan == "CrossSubnet" ? "VXLANCrossSubnet" : "VXLAN")
            } else if ipip != "Never" {
                modes.append(ipip == "CrossSubnet" ? "IPIPCrossSubnet" : "IPIP")
            } else {
                modes.append("None")
            }
            modeSource = "IPPool"
        }
        if modes.isEmpty, let installation {
            for pool in installation[path: "spec.calicoNetwork.ipPools"].array {
                modes.append(pool["encapsulation"].string ?? "IPIP")
            }
            if !modes.isEmpty { modeSource = "Installation .spec.calicoNetwork.ipPools" }
        }
        if modes.isEmpty, let daemonSet {
            let value: (String) -> String? = { name in
                if case .literal(let text)? = daemonSet.env(name, configMaps: objects.configMaps) { return text }
                return nil
            }
            let vxlan = value("CALICO_IPV4POOL_VXLAN") ?? value("CALICO_IPV6POOL_VXLAN")
            let ipip = value("CALICO_IPV4POOL_IPIP")
            if let vxlan, vxlan.lowercased() != "never" {
                modes.append(vxlan == "CrossSubnet" ? "VXLANCrossSubnet" : "VXLAN")
            } else if let ipip, ipip.lowercased() != "never" {
                modes.append(ipip == "CrossSubnet" ? "IPIPCrossSubnet" : "IPIP")
            } else if vxlan != nil || ipip != nil {
                modes.append("None")
            }
            if !modes.isEmpty { modeSource = "calico-node env CALICO_IPV4POOL_* (the default pool it creates)" }
        }
        if modes.isEmpty, let backend = config?.value["data"]["calico_backend"].string {
            modes.append(backend == "vxlan" ? "VXLAN" : backend == "none" ? "None" : "IPIP")
            modeSource = "\(configMapName) calico_backend \(backend)"
        }
        if modes.isEmpty && !settings.policyOnly {
            modes.append("IPIP")
            settings.notes.append(
                "no IP pool, Installation or calico-node environment was given: assuming Calico's default IPIP")
            settings.missing.append(
                "kubectl get ippools.crd.projectcalico.org -o yaml   # which encapsulation the pods use")
        } else if !modeSource.isEmpty {
            settings.notes.append("encapsulation from \(modeSource)")
        }
        let mode = modes.first ?? "IPIP"
        if Set(modes).count > 1 {
            settings.notes.append(
                "IP pools use different encapsulations (\(Set(modes).sorted().joined(separator: ", "))); the audit uses the first, \(mode)"
            )
        }
        return mode
    }

    /// Felix's MTU for the encapsulation in use, in Felix's order: calico-node's environment (even 0, auto),
    /// then FelixConfiguration. nil: auto (interface − reserved).
    static func calicoFelixMTU(
        _ objects: ClusterObjects, daemonSet: DaemonSetView?, operatorSigns: Bool,
        config: (key: String, value: JSONValue)?, configMapName: String, encapsulation: String,
        settings: inout CNISettings
    ) -> Int? {
        let felix = objects.felixConfiguration
        func felixEnv(_ name: String) -> DaemonSetView.EnvValue? {
            daemonSet?.env(name, configMaps: objects.configMaps)
        }
        let felixKey =
            encapsulation == "wireguard"
            ? "wireguardMTU" : encapsulation == "vxlan" ? "vxlanMTU" : encapsulation == "ipip" ? "ipipMTU" : nil
        let envName =
            encapsulation == "wireguard"
            ? "FELIX_WIREGUARDMTU"
            : encapsulation == "vxlan" ? "FELIX_VXLANMTU" : encapsulation == "ipip" ? "FELIX_IPINIPMTU" : nil
        var felixMTU: Int?  // nil: auto (interface − reserved)
        var felixDecided = false
        if let envName, let value = felixEnv(envName) {
            switch value {
            case .literal(let text), .configMap(_, _, let text?):
                if text.isEmpty { break }  // Felix ignores an empty value
                felixDecided = true
                let source: String
                if case .configMap(let map, let key, _) = value {
                    source = "DaemonSet \(daemonSet!.id) env \(envName) (from \(map) \(key))"
                } else {
                    source = "DaemonSet \(daemonSet!.id) env \(envName)"
                }
                if let number = Int(text.trimmingCharacters(in: .whitespaces)) {
                    felixMTU = number == 0 ? nil : number
                    settings.sources.append(.init(field: source, value: number == 0 ? nil : number, effective: true))
                } else {
                    settings.invalid.append(
                        "\(source) = \"\(text)\" is not a number: Felix replaces it with its default (auto-detection)")
                    settings.sources.append(.init(field: source, value: nil, effective: true))
                }
            case .configMap(let map, let key, nil):
                settings.notes.append("\(envName) comes from ConfigMap \(map) key \(key), which was not given")
                settings.missing.append("kubectl -n \(daemonSet!.namespace) get configmap \(map) -o yaml")
                felixDecided = true
            case .other, .configMap:
                felixDecided = true
            }
        } else if daemonSet == nil && !operatorSigns && config != nil, let envName {
            // The manifests wire FELIX_*MTU to veth_mtu; without the DaemonSet, assume they still do.
            if let text = config?.value["data"]["veth_mtu"].string, !text.isEmpty {
                felixDecided = true
                felixMTU = Int(text).flatMap { $0 == 0 ? nil : $0 }
                settings.notes.append(
                    "calico-node was not given: assuming the upstream manifest's \(envName) from \(configMapName) veth_mtu"
                )
            }
        }
        if let felix, let felixKey {
            settings.detectedBy.append("FelixConfiguration default")
            for field in ["vxlanMTU", "ipipMTU", "wireguardMTU"] {
                let value = felix["spec"][field].int.flatMap { $0 == 0 ? nil : $0 }
                guard value != nil || field == felixKey else { continue }
                let applies = field == felixKey && !felixDecided
                settings.sources.append(
                    .init(field: "FelixConfiguration default .spec.\(field)", value: value, effective: applies))
                if field == felixKey, felixDecided, value != nil {
                    settings.notes.append(
                        "FelixConfiguration .spec.\(field) is not in effect: calico-node's \(envName ?? "environment") outranks it (felix/config/config_params.go)"
                    )
                }
                if applies { felixMTU = value }
            }
        }
        return felixMTU
    }

    /// The CNI plugin's mtu: the Installation's, or veth_mtu; 0 (nil here) means "what Felix computed". A positive
    /// Installation mtu also becomes Felix's: the operator renders calico-node's FELIX_*MTU from it.
    static func calicoPluginMTU(
        installation: JSONValue?, config: (key: String, value: JSONValue)?, felixMTU: inout Int?,
        settings: inout CNISettings
    ) -> Int? {
        var cniMTU: Int?
        if let installation {
            let raw = installation[path: "spec.calicoNetwork.mtu"]
            let value = raw.int
            if !raw.isNull && value == nil {
                settings.invalid.append(
                    "Installation default .spec.calicoNetwork.mtu = \(raw) is not a number: the operator rejects it")
            }
            settings.sources.append(
                .init(field: "Installation default .spec.calicoNetwork.mtu", value: value, effective: value != nil))
            if let value, value > 0 {
                cniMTU = value
                felixMTU = value
                // The operator renders calico-node's FELIX_*MTU from this value: what the DaemonSet holds now follows it.
                for index in settings.sources.indices where settings.sources[index].field.hasPrefix("DaemonSet") {
                    settings.sources[index].effective = false
                }
            }
        } else if let config {
            let raw = config.value["data"]["veth_mtu"]
            if let text = raw.string {
                if let value = Int(text.trimmingCharacters(in: .whitespaces)) {
                    settings.sources.append(
                        .init(
                            field: "ConfigMap \(config.key) .data.veth_mtu", value: value == 0 ? nil : value,
                            effective: true))
                    if value > 0 { cniMTU = value }
                } else {
                    settings.invalid.append(
                        "ConfigMap \(config.key) .data.veth_mtu = \"\(text)\" is not a number: the CNI plugin cannot read its configuration and pods fail to start"
                    )
                    settings.sources.append(
                        .init(field: "ConfigMap \(config.key) .data.veth_mtu", value: nil, effective: true))
                }
            }
        }
        return cniMTU
    }

    /// Canal: Calico's CNI plugin and Felix over Flannel's VXLAN (projectcalico/calico manifests/canal.yaml:
    /// `canal-config` `veth_mtu`, `net-conf.json`, one DaemonSet `canal`). Flannel moves the packets; the pod MTU is
    /// veth_mtu, or Flannel's (interface − 50) when 0.
    static func canal(_ objects: ClusterObjects, config: (String, JSONValue)?, daemonSet: DaemonSetView?) -> CNISettings
    {
        var flannel = self.flannel(config?.1, name: config?.0, daemonSet: daemonSet)
        flannel.name = .canal
        flannel.install = .manifest
        flannel.missing =
            config == nil
            ? ["kubectl -n \(daemonSet?.namespace ?? "kube-system") get configmap canal-config -o yaml"] : []
        flannel.version = daemonSet?.version(image: { $0.contains("calico/node") }).map(\.description)
        if let config {
            let raw = config.1["data"]["veth_mtu"]
            if let text = raw.string {
                if let value = Int(text.trimmingCharacters(in: .whitespaces)) {
                    flannel.sources.insert(
                        .init(
                            field: "ConfigMap \(config.0) .data.veth_mtu", value: value == 0 ? nil : value,
                            effective: value != 0), at: 0)
                    if value > 0 { flannel.configuredPodMTU = value }
                } else {
                    flannel.invalid.append(
                        "ConfigMap \(config.0) .data.veth_mtu = \"\(text)\" is not a number: the CNI plugin cannot read its configuration and pods fail to start"
                    )
                }
            }
        }
        flannel.notes.removeAll { $0.hasPrefix("no MTU set") }
        if flannel.configuredPodMTU == nil {
            flannel.notes.append(
                "veth_mtu 0: pods get each node's interface MTU minus Flannel's \(flannel.reservedOverhead ?? 0) B")
        }
        return flannel
    }

    // MARK: Cilium

    /// Cilium's `cilium-config`. `mtu` is the MTU of the network *below* the overlay (the device MTU); pod routes get
    /// `mtu − overhead` (cilium/cilium pkg/mtu/mtu.go); 0 or absent: each node's interface. `routing-mode`
    /// (tunnel | native) with `tunnel-protocol` (vxlan | geneve), or the older `tunnel` key; `underlay-protocol`
    /// (ipv4 | ipv6); `enable-wireguard`; `enable-ipsec`.
    /// Long: the cilium-config keys in the order the agent reads them (pkg/option), one block each.
    static func cilium(_ objects: ClusterObjects, config: (String, JSONValue)?, daemonSet: DaemonSetView?)
        -> CNISettings
    {
        var settings = CNISettings(name: .cilium, install: .helm)
        let isAgent: (String) -> Bool = { $0.contains("cilium") && !$0.contains("operator") }
        if let daemonSet { settings.take(daemonSet, version: isAgent) }
        let version = daemonSet?.version(image: isAgent)
        guard let (name, config) = config else {
            settings.assumeWithout(
                configMap: "cilium-config", defaultNamespace: "kube-system", encapsulation: "vxlan", reserved: 50,
                assumption: "Cilium's default VXLAN tunnel and auto-detected MTU")
            return settings
        }
        settings.detectedBy.append("ConfigMap \(name)")
        settings.configMap = "cilium-config"
        if settings.namespace == nil { settings.namespace = String(name.split(separator: "/").first ?? "kube-system") }
        if settings.daemonSet == nil { settings.daemonSet = "cilium" }
        if settings.helmRelease == nil {
            settings.helmRelease = config[path: "metadata.annotations"]["meta.helm.sh/release-name"].string
        }
        if settings.helmRelease == nil { settings.install = .configmap }
        let data = config["data"]
        var tunnel: String
        if let routing = data["routing-mode"].string {
            tunnel = routing == "native" ? "none" : (data["tunnel-protocol"].string ?? "vxlan")
            if !["native", "tunnel"].contains(routing) {
                settings.invalid.append(
                    "ConfigMap \(name) routing-mode = \"\(routing)\": Cilium accepts tunnel or native and does not start"
                )
            }
        } else if let legacy = data["tunnel"].string {
            tunnel = legacy == "disabled" ? "none" : legacy
        } else {
            tunnel = data["tunnel-protocol"].string ?? "vxlan"
        }
        if !["vxlan", "geneve", "none"].contains(tunnel) {
            settings.invalid.append(
                "ConfigMap \(name) tunnel protocol \"\(tunnel)\": Cilium supports vxlan and geneve only and does not start with it"
            )
            tunnel = "vxlan"
        }
        let underlayIPv6 = data["underlay-protocol"].string == "ipv6"
        let wireguard = data["enable-wireguard"].bool == true
        let ipsec = data["enable-ipsec"].bool == true
        if ipsec {
            settings.notes.append(
                "IPsec key length unknown (it lives in a Secret): the default 16-byte key is assumed; longer keys reserve more"
            )
        }
        let overhead = CNIRules.cilium(
            version: version, tunnel: tunnel, underlayIPv6: underlayIPv6, wireguard: wireguard, ipsec: ipsec)
        settings.encapsulation = WireEncapsulation(overhead.wire)
        settings.reservedOverhead = overhead.bytes
        settings.rules = overhead.rules
        if version == nil, wireguard {
            settings.notes.append(
                "Cilium's version is unknown (no DaemonSet image tag): WireGuard reserves 95 B since 1.20, 80 B before")
        }
        let raw = data["mtu"]
        if let text = raw.string ?? raw.int.map(String.init), !text.isEmpty {
            if let value = Int(text.trimmingCharacters(in: .whitespaces)) {
                settings.sources.append(
                    .init(
                        field: "ConfigMap \(name) .data.mtu (device MTU; pods get it − \(overhead.bytes))",
                        value: value == 0 ? nil : value, effective: true, sizes: .base))
                if value > 0 {
                    settings.baseMTU = value
                    settings.configuredPodMTU = value - overhead.bytes
                }
            } else {
                settings.invalid.append(
                    "ConfigMap \(name) .data.mtu = \"\(text)\" is not a number: cilium-agent cannot parse it and does not start"
                )
            }
        } else {
            settings.sources.append(
                .init(field: "ConfigMap \(name) .data.mtu (device MTU)", value: nil, effective: true, sizes: .base))
        }
        if settings.baseMTU == nil {
            settings.notes.append(
                "mtu unset: Cilium takes each node's interface MTU and gives pod routes that minus \(overhead.bytes) B")
        }
        if data["enable-endpoint-routes"].bool == true {
            settings.notes.append("endpoint routes are on: the MTU is also set on each pod's route")
        }
        return settings
    }

    // MARK: Flannel

    /// Flannel: `net-conf.json` `Backend` (keys matched without regard to case, as Go's encoding/json does; no
    /// `Backend` means udp); `Backend.MTU` is the base MTU (default the node's interface), pods get it minus the
    /// backend's overhead (``CNIRules/flannelBackend(_:)``) through subnet.env's FLANNEL_MTU, unless the CNI config's
    /// delegate sets `mtu` (flannel-io/cni-plugin flannel_linux.go: FLANNEL_MTU only when the delegate has none).
    static func flannel(_ config: JSONValue?, name: String?, daemonSet: DaemonSetView?) -> CNISettings {
        var settings = CNISettings(name: .flannel, install: .configmap)
        if let daemonSet { settings.take(daemonSet, version: { $0.contains("flannel") && !$0.contains("cni-plugin") }) }
        guard let config, let name else {
            settings.assumeWithout(
                configMap: "kube-flannel-cfg", defaultNamespace: "kube-flannel", encapsulation: "vxlan", reserved: 50,
                assumption: "the vxlan backend")
            return settings
        }
        settings.detectedBy.append("ConfigMap \(name)")
        settings.configMap = String(name.split(separator: "/").last ?? "kube-flannel-cfg")
        if settings.namespace == nil { settings.namespace = String(name.split(separator: "/").first ?? "kube-flannel") }
        if settings.daemonSet == nil { settings.daemonSet = "kube-flannel-ds" }
        if settings.helmRelease == nil {
            settings.helmRelease = config[path: "metadata.annotations"]["meta.helm.sh/release-name"].string
        }
        if settings.helmRelease != nil { settings.install = .helm }
        let netConfText = config["data"]["net-conf.json"].string
        let netConf = netConfText.flatMap { JSONValue.parse(Array($0.utf8)) } ?? .null
        if netConfText != nil && netConf.isNull {
            settings.invalid.append("ConfigMap \(name) net-conf.json is not valid JSON: flanneld does not start")
        }
        let backend = netConf.field("Backend")
        var type = backend.field("Type").string?.lowercased() ?? (backend.isNull ? "udp" : "vxlan")
        if backend.isNull && !netConf.isNull {
            settings.notes.append("net-conf.json has no Backend: flanneld uses the udp backend")
        }
        if netConf.isNull && netConfText == nil {
            type = "vxlan"
            settings.notes.append("net-conf.json missing: assuming vxlan")
        }
        var rule = CNIRules.flannelBackend(type)
        if rule == nil {
            settings.invalid.append(
                "ConfigMap \(name) net-conf.json Backend.Type \"\(type)\": not a backend this audit knows (flanneld refuses unknown types)"
            )
            rule = (50, "vxlan")
        }
        settings.encapsulation = WireEncapsulation(rule!.wire)
        settings.crossSubnetOnly = type == "vxlan" && backend.field("DirectRouting").bool == true
        settings.reservedOverhead = rule!.reserved
        settings.rules =
            "Flannel\(settings.version.map { " \($0)" } ?? "") \(type) backend reserves \(rule!.reserved) B (pkg/backend/\(type == "host-gw" ? "hostgw" : type))"
        let backendMTU = backend.field("MTU").int
        settings.sources.append(
            .init(
                field: "ConfigMap \(name) net-conf.json Backend.MTU (pods get it − \(rule!.reserved))",
                value: backendMTU, effective: true, sizes: .base))
        if let backendMTU, backendMTU > 0 { settings.baseMTU = backendMTU }
        let cniConf = config["data"]["cni-conf.json"].string.flatMap { JSONValue.parse(Array($0.utf8)) } ?? .null
        let delegate =
            cniConf["plugins"].array.first { $0["type"].string == "flannel" }?["delegate"] ?? cniConf["delegate"]
        let delegateMTU = delegate["mtu"].int
        if let delegateMTU {
            settings.sources.append(
                .init(field: "ConfigMap \(name) cni-conf.json delegate.mtu", value: delegateMTU, effective: true))
            settings.sources[settings.sources.count - 2].effective = false
            settings.configuredPodMTU = delegateMTU
            if backendMTU != nil {
                settings.notes.append(
                    "cni-conf.json's delegate.mtu outranks Backend.MTU for pods (flannel-io/cni-plugin flannel_linux.go)"
                )
            }
        } else if let base = settings.baseMTU {
            settings.configuredPodMTU = base - rule!.reserved
        }
        if settings.configuredPodMTU == nil {
            settings.notes.append("no MTU set: Flannel gives pods each node's interface MTU minus \(rule!.reserved) B")
        }
        if settings.helmRelease != nil {
            settings.notes.append(
                "Helm release \(settings.helmRelease!) renders \(name): an edit by hand is lost on the next helm upgrade"
            )
        }
        return settings
    }

    // MARK: AWS VPC CNI

    /// The AWS VPC CNI: no encapsulation; pods get POD_MTU, default AWS_VPC_ENI_MTU, default 9001; values outside
    /// 576…9001 (1280… with ENABLE_IPv6) or not numbers stop aws-node from starting (``CNIRules/awsRange(ipv6:)``).
    static func aws(_ daemonSet: DaemonSetView, objects: ClusterObjects) -> CNISettings {
        var settings = CNISettings(name: .awsVPCCNI, encapsulation: "none", install: .daemonsetEnv)
        settings.take(daemonSet, version: { $0.contains("amazon-k8s-cni") && !$0.contains("init") })
        settings.reservedOverhead = 0
        settings.rules =
            "AWS VPC CNI\(settings.version.map { " \($0)" } ?? ""): no encapsulation; POD_MTU, default AWS_VPC_ENI_MTU (cmd/aws-vpc-cni/main.go)"
        func value(_ name: String) -> String? {
            switch daemonSet.env(name, configMaps: objects.configMaps) {
            case .literal(let text)?, .configMap(_, _, let text?)?: return text
            default: return nil
            }
        }
        let ipv6 = JSONValue.string(value("ENABLE_IPv6") ?? "false").bool == true
        let range = CNIRules.awsRange(ipv6: ipv6)
        func read(_ name: String) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                settings.invalid.append(
                    "DaemonSet \(daemonSet.id) env \(name) = \"\(text)\" is not a number: aws-node does not start")
                return nil
            }
            if !range.contains(number) {
                settings.invalid.append(
                    "DaemonSet \(daemonSet.id) env \(name) = \(number) is outside \(range.lowerBound)–\(range.upperBound)\(ipv6 ? " (IPv6)" : ""): aws-node does not start"
                )
            }
            return number
        }
        let eni = read("AWS_VPC_ENI_MTU")
        let pod = read("POD_MTU")
        settings.sources.append(
            .init(
                field: "DaemonSet aws-node env AWS_VPC_ENI_MTU (the nodes' ENIs)", value: eni, effective: pod == nil,
                sizes: pod == nil ? .pod : .node))
        settings.sources.append(.init(field: "DaemonSet aws-node env POD_MTU", value: pod, effective: true))
        settings.configuredPodMTU = pod ?? eni ?? CNIRules.awsDefaultMTU
        if let pod, let eni, pod < eni {
            settings.notes.append("POD_MTU \(pod) below AWS_VPC_ENI_MTU \(eni): pods are sized down on purpose")
        }
        if eni == nil && pod == nil {
            settings.notes.append("neither AWS_VPC_ENI_MTU nor POD_MTU is set: the CNI's default 9001 applies")
        }
        return settings
    }
}

extension JSONValue {
    /// An object's field matched without regard to case, as Go's encoding/json matches struct fields.
    func field(_ name: String) -> JSONValue {
        let object = self.object
        if let exact = object[name] { return exact }
        return object.first { $0.key.lowercased() == name.lowercased() }?.value ?? .null
    }
}

extension ClusterObjects {
    /// Sorts objects as `kubectl get -o json|yaml` prints them (a List's items, or single objects) by kind; the
    /// ones an audit does not use are left out. Returns a count per kind read, for the report.
    public mutating func add(_ items: [JSONValue]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for item in items {
            if item["kind"].string?.hasSuffix("List") == true || (item["kind"].isNull && !item["items"].array.isEmpty) {
                for (kind, count) in add(item["items"].array) { counts[kind, default: 0] += count }
                continue
            }
            let kind = item["kind"].string ?? ""
            let name = item[path: "metadata.name"].string ?? ""
            switch kind {
            case "Node": nodes.append(item)
            case "DaemonSet": daemonSets.append(item)
            case "ConfigMap": configMaps["\(item[path: "metadata.namespace"].string ?? "default")/\(name)"] = item
            case "Installation" where name == "default": calicoInstallation = item
            case "FelixConfiguration" where name == "default": felixConfiguration = item
            case "IPPool": calicoIPPools.append(item)
            default: continue
            }
            counts[kind, default: 0] += 1
        }
        return counts
    }
}

import Foundation


/// What a CNI is configured to do with MTU, read from the objects it keeps in the API (pure: objects in, settings
/// out). Field names follow the published types: Calico's operator `Installation` (operator.tigera.io/v1),
/// `FelixConfiguration` and `IPPool` (crd.projectcalico.org/v1), the `calico-config` ConfigMap of manifest installs;
/// Cilium's `cilium-config` ConfigMap; Flannel's `kube-flannel-cfg` (`net-conf.json`, `cni-conf.json`); the AWS VPC
/// CNI's `aws-node` DaemonSet environment.
public struct CNISettings: Sendable, Codable, Equatable {
    /// calico | cilium | flannel | aws-vpc-cni | unknown
    public var name: String
    /// How it was recognised (a DaemonSet, a ConfigMap, a CRD object).
    public var detectedBy: [String]
    /// Encapsulation between nodes as our size math names it (`vxlan`, `geneve`, `ipip`, `wireguard`, a stack like
    /// `vxlan+wireguard`), or `none` for native routing.
    public var encapsulation: String
    /// Encapsulation used only between nodes of different subnets (Calico's CrossSubnet modes, Flannel's DirectRouting).
    public var crossSubnetOnly: Bool
    /// The pod MTU it is set to, or nil when the CNI picks it from each node's interface (auto-detection).
    public var configuredPodMTU: Int?
    /// Every place that holds an MTU value, whether it is the effective one or not.
    public var sources: [Source]
    public var notes: [String]
    /// The install method, for the fix: operator | manifest | helm | daemonset-env | configmap
    public var install: String

    public struct Source: Sendable, Codable, Equatable {
        /// e.g. `Installation default .spec.calicoNetwork.mtu`
        public var field: String
        public var value: Int?
        public var effective: Bool
    }

    public init(name: String, detectedBy: [String] = [], encapsulation: String = "none", crossSubnetOnly: Bool = false,
                configuredPodMTU: Int? = nil, sources: [Source] = [], notes: [String] = [], install: String = "") {
        self.name = name
        self.detectedBy = detectedBy
        self.encapsulation = encapsulation
        self.crossSubnetOnly = crossSubnetOnly
        self.configuredPodMTU = configuredPodMTU
        self.sources = sources
        self.notes = notes
        self.install = install
    }

    /// Bytes the encapsulation adds to each pod packet between nodes (0 for native routing).
    public func overhead(underlay: IPVersion) -> Int {
        1500 - largestPodMTU(underlayMTU: 1500, underlay: underlay)
    }

    /// The largest pod MTU whose packets, encapsulated, fit an underlay path of `underlayMTU` bytes.
    public func largestPodMTU(underlayMTU: Int, underlay: IPVersion) -> Int {
        guard encapsulation != "none", let stack = try? EncapsulationStack.parse(encapsulation.replacingOccurrences(of: "+", with: ",")) else { return underlayMTU }
        return stack.largestInnerPacket(outer: underlayMTU, underlay: underlay)
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

public enum CNIReader {
    /// Every CNI the objects show (an AWS VPC CNI cluster may run Calico for policy only; Canal is Calico + Flannel).
    public static func detect(_ objects: ClusterObjects) -> [CNISettings] {
        var found: [CNISettings] = []
        let daemonSets = objects.daemonSets.map { ($0[path: "metadata.namespace"].string ?? "", $0[path: "metadata.name"].string ?? "", $0) }
        func daemonSet(_ match: (String) -> Bool) -> (String, String, JSONValue)? { daemonSets.first { match($0.1) } }
        func configMap(_ names: [String]) -> (String, JSONValue)? {
            for name in names { if let map = objects.configMaps[name] { return (name, map) } }
            return nil
        }
        let flannelDaemonSet = daemonSet { $0.hasPrefix("kube-flannel") || $0 == "flannel" || $0 == "canal" }
        let flannelConfig = configMap(["kube-flannel/kube-flannel-cfg", "kube-system/kube-flannel-cfg", "kube-system/canal-config"])
        let awsDaemonSet = daemonSet { $0 == "aws-node" }
        if let (ns, name, object) = awsDaemonSet {
            found.append(aws(object, detectedBy: "DaemonSet \(ns)/\(name)"))
        }
        if let cilium = configMap(["kube-system/cilium-config", "cilium/cilium-config"]) ?? daemonSet({ $0 == "cilium" }).map({ ("", $0.2) }) {
            let isConfig = objects.configMaps.values.contains(cilium.1)
            var settings = isConfig ? self.cilium(cilium.1, name: cilium.0) : CNISettings(
                name: "cilium", detectedBy: ["DaemonSet cilium"], encapsulation: "vxlan",
                notes: ["cilium-config was not readable: assuming Cilium's default VXLAN tunnel and auto-detected MTU"], install: "helm")
            if isConfig, let (ns, name, _) = daemonSet({ $0 == "cilium" }) { settings.detectedBy.insert("DaemonSet \(ns)/\(name)", at: 0) }
            found.append(settings)
        }
        if flannelDaemonSet != nil || flannelConfig != nil {
            found.append(flannel(flannelConfig?.1, name: flannelConfig?.0, daemonSet: flannelDaemonSet.map { "\($0.0)/\($0.1)" }))
        }
        let calicoDaemonSet = daemonSet { $0 == "calico-node" }
        if calicoDaemonSet != nil || objects.calicoInstallation != nil || objects.configMaps["kube-system/calico-config"] != nil {
            var calico = self.calico(objects, daemonSet: calicoDaemonSet.map { "\($0.0)/\($0.1)" })
            // Calico beside Flannel (Canal) or the AWS VPC CNI does policy; the other one moves the packets.
            if found.contains(where: { $0.name == "flannel" || $0.name == "aws-vpc-cni" }) {
                calico.notes.append("Calico runs for network policy here; \(found[0].name) carries the pod traffic and sets the pod MTU")
                found.append(calico)
            } else {
                found.insert(calico, at: 0)
            }
        }
        return found
    }

    /// Calico: the operator's Installation wins over everything (it writes the others); a manifest install uses
    /// calico-config's veth_mtu for pods and FelixConfiguration's per-encapsulation MTUs for the tunnel devices.
    public static func calico(_ objects: ClusterObjects, daemonSet: String?) -> CNISettings {
        var settings = CNISettings(name: "calico")
        if let daemonSet { settings.detectedBy.append("DaemonSet \(daemonSet)") }
        // Encapsulation: the operator's ipPools[].encapsulation, else the IPPool objects' vxlanMode/ipipMode.
        var modes: [String] = []
        if let installation = objects.calicoInstallation {
            settings.detectedBy.append("Installation \(installation[path: "metadata.name"].string ?? "default")")
            settings.install = "operator"
            for pool in installation[path: "spec.calicoNetwork.ipPools"].array { modes.append(pool["encapsulation"].string ?? "IPIP") }
        }
        if modes.isEmpty {
            for pool in objects.calicoIPPools where pool[path: "spec.disabled"].bool != true {
                let vxlan = pool[path: "spec.vxlanMode"].string ?? "Never", ipip = pool[path: "spec.ipipMode"].string ?? "Never"
                if vxlan != "Never" { modes.append(vxlan == "CrossSubnet" ? "VXLANCrossSubnet" : "VXLAN") }
                else if ipip != "Never" { modes.append(ipip == "CrossSubnet" ? "IPIPCrossSubnet" : "IPIP") }
                else { modes.append("None") }
            }
        }
        let mode = modes.first ?? "IPIP"
        if modes.isEmpty { settings.notes.append("no IP pool was readable: assuming Calico's default IPIP") }
        if Set(modes).count > 1 { settings.notes.append("IP pools use different encapsulations (\(Set(modes).sorted().joined(separator: ", "))); the audit uses the first, \(mode)") }
        var encapsulation = mode.hasPrefix("VXLAN") ? "vxlan" : mode.hasPrefix("IPIP") ? "ipip" : "none"
        settings.crossSubnetOnly = mode.hasSuffix("CrossSubnet")
        let felix = objects.felixConfiguration
        let wireguard = felix?[path: "spec.wireguardEnabled"].bool == true
        if wireguard { encapsulation = "wireguard" }  // Calico's WireGuard device carries the pod traffic in place of VXLAN/IPIP
        settings.encapsulation = encapsulation
        // The MTU values, wherever they are.
        let installationMTU = objects.calicoInstallation?[path: "spec.calicoNetwork.mtu"].int
        if let installation = objects.calicoInstallation {
            settings.sources.append(.init(field: "Installation \(installation[path: "metadata.name"].string ?? "default") .spec.calicoNetwork.mtu", value: installationMTU, effective: true))
        }
        if let felix {
            settings.detectedBy.append("FelixConfiguration default")
            let key = wireguard ? "wireguardMTU" : encapsulation == "vxlan" ? "vxlanMTU" : encapsulation == "ipip" ? "ipipMTU" : nil
            for field in ["vxlanMTU", "ipipMTU", "wireguardMTU"] {
                let value = felix["spec"][field].int
                if value != nil || field == key {
                    settings.sources.append(.init(field: "FelixConfiguration default .spec.\(field)", value: value.flatMap { $0 == 0 ? nil : $0 },
                                                  effective: installationMTU == nil && field == key))
                }
            }
        }
        if let config = objects.configMaps["kube-system/calico-config"] {
            settings.detectedBy.append("ConfigMap kube-system/calico-config")
            if settings.install.isEmpty { settings.install = "manifest" }
            let veth = config["data"]["veth_mtu"].int
            settings.sources.append(.init(field: "ConfigMap kube-system/calico-config .data.veth_mtu", value: veth.flatMap { $0 == 0 ? nil : $0 }, effective: installationMTU == nil))
        }
        if settings.install.isEmpty { settings.install = "manifest" }
        if let installationMTU, installationMTU > 0 {
            settings.configuredPodMTU = installationMTU
        } else if let effective = settings.sources.first(where: { $0.effective && $0.field.contains("veth_mtu") })?.value {
            settings.configuredPodMTU = effective
        } else if let effective = settings.sources.first(where: { $0.effective })?.value {
            settings.configuredPodMTU = effective
        }
        if settings.configuredPodMTU == nil { settings.notes.append("no MTU set: Calico derives it from each node's interface MTU minus its encapsulation") }
        return settings
    }

    /// Cilium's `cilium-config`: `mtu` (0 or absent: auto), `routing-mode` (tunnel | native) with
    /// `tunnel-protocol` (vxlan | geneve), or the older `tunnel` key; `enable-wireguard`, `enable-ipsec`.
    public static func cilium(_ config: JSONValue, name: String) -> CNISettings {
        let data = config["data"]
        var settings = CNISettings(name: "cilium", detectedBy: ["ConfigMap \(name)"], install: "helm")
        var tunnel: String
        if let routing = data["routing-mode"].string {
            tunnel = routing == "native" ? "none" : (data["tunnel-protocol"].string ?? "vxlan")
        } else if let legacy = data["tunnel"].string {
            tunnel = legacy == "disabled" ? "none" : legacy
        } else {
            tunnel = data["tunnel-protocol"].string ?? "vxlan"
        }
        if !["vxlan", "geneve", "none"].contains(tunnel) {
            settings.notes.append("unknown tunnel protocol '\(tunnel)': assuming vxlan")
            tunnel = "vxlan"
        }
        var layers = tunnel == "none" ? [] : [tunnel]
        if data["enable-wireguard"].bool == true { layers.append("wireguard") }
        if data["enable-ipsec"].bool == true { layers.append("ipsec-esp") }
        settings.encapsulation = layers.isEmpty ? "none" : layers.joined(separator: "+")
        let mtu = data["mtu"].int
        settings.sources.append(.init(field: "ConfigMap \(name) .data.mtu", value: mtu.flatMap { $0 == 0 ? nil : $0 }, effective: true))
        settings.configuredPodMTU = mtu.flatMap { $0 == 0 ? nil : $0 }
        if settings.configuredPodMTU == nil { settings.notes.append("mtu unset: Cilium derives the pod MTU from the node's interface minus its tunnel and encryption overhead") }
        if data["enable-endpoint-routes"].bool == true { settings.notes.append("endpoint routes are on: the MTU is also set on each pod's route") }
        return settings
    }

    /// Flannel: the backend from `net-conf.json`; the pod MTU is the node interface's minus the backend's overhead
    /// (Flannel has no MTU setting) unless the CNI configuration's delegate sets `mtu`.
    public static func flannel(_ config: JSONValue?, name: String?, daemonSet: String?) -> CNISettings {
        var settings = CNISettings(name: "flannel", install: "configmap")
        if let daemonSet { settings.detectedBy.append("DaemonSet \(daemonSet)") }
        guard let config, let name else {
            settings.encapsulation = "vxlan"
            settings.notes.append("kube-flannel-cfg was not readable: assuming the vxlan backend")
            return settings
        }
        settings.detectedBy.append("ConfigMap \(name)")
        let netConf = config["data"]["net-conf.json"].string.flatMap { JSONValue.parse(Array($0.utf8)) } ?? .null
        let backend = (netConf[path: "Backend.Type"].string ?? "vxlan").lowercased()
        switch backend {
        case "vxlan":
            settings.encapsulation = "vxlan"
            settings.crossSubnetOnly = netConf[path: "Backend.DirectRouting"].bool == true
        case "host-gw": settings.encapsulation = "none"
        case "wireguard": settings.encapsulation = "wireguard"
        case "ipip": settings.encapsulation = "ipip"
        case "udp": settings.encapsulation = "vxlan"; settings.notes.append("the udp backend adds 28 bytes in user space; sized here as vxlan")
        default: settings.encapsulation = "none"; settings.notes.append("backend '\(backend)': no encapsulation assumed")
        }
        if netConf.isNull { settings.notes.append("net-conf.json is missing or not JSON: assuming vxlan") }
        let cniConf = config["data"]["cni-conf.json"].string.flatMap { JSONValue.parse(Array($0.utf8)) } ?? .null
        let delegate = cniConf["plugins"].array.first { $0["type"].string == "flannel" }?["delegate"] ?? cniConf["delegate"]
        let mtu = delegate["mtu"].int
        settings.sources.append(.init(field: "ConfigMap \(name) .data.cni-conf.json delegate.mtu", value: mtu, effective: true))
        settings.configuredPodMTU = mtu
        if mtu == nil { settings.notes.append("no MTU set: Flannel gives pods the node interface's MTU minus the backend's overhead") }
        return settings
    }

    /// The AWS VPC CNI: no encapsulation; pods get POD_MTU (default AWS_VPC_ENI_MTU, default 9001).
    public static func aws(_ daemonSet: JSONValue, detectedBy: String) -> CNISettings {
        var settings = CNISettings(name: "aws-vpc-cni", detectedBy: [detectedBy], encapsulation: "none", install: "daemonset-env")
        var environment: [String: String] = [:]
        for container in daemonSet[path: "spec.template.spec.containers"].array where container["name"].string == "aws-node" {
            for variable in container["env"].array {
                if let name = variable["name"].string, let value = variable["value"].string { environment[name] = value }
            }
        }
        let eni = environment["AWS_VPC_ENI_MTU"].flatMap { Int($0) }
        let pod = environment["POD_MTU"].flatMap { Int($0) }
        settings.sources.append(.init(field: "DaemonSet aws-node env AWS_VPC_ENI_MTU", value: eni, effective: pod == nil))
        settings.sources.append(.init(field: "DaemonSet aws-node env POD_MTU", value: pod, effective: true))
        settings.configuredPodMTU = pod ?? eni ?? 9001
        if eni == nil && pod == nil { settings.notes.append("neither AWS_VPC_ENI_MTU nor POD_MTU is set: the CNI's default 9001 applies") }
        return settings
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

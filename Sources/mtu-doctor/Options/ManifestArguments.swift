import ArgumentParser
import Foundation
import MTUCore

/// `kube deploy`: what goes into the agents' manifests.
struct ManifestArguments: ParsableArguments {
    @Option(help: "Namespace for the agents.")
    var namespace = "mtu-doctor"

    @Option(help: "Container image with mtu-doctor as its entry point.")
    var image = "mtu-doctor:\(BuildInfo.version)"

    @Option(help: "Seconds between rounds.")
    var interval = 60

    @Option(help: "Probe packets per second per agent.")
    var pps = 100

    @Option(
        help: "How the agents find each other: dns (headless Services) or kubernetes (their pods, through the API)."
    )
    var discovery = "dns"

    @Option(
        help:
            "Networks the agents answer, CIDR, comma separated (default: the private ranges 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7; name the cluster's pod and node networks)."
    )
    var allow: String?

    func validate() throws {
        for network in (allow ?? "").split(separator: ",") where IPNetwork(String(network)) == nil {
            throw fail("--allow: '\(network)' is not a network such as 10.244.0.0/16 or fd00::/8")
        }
        guard namespace.range(of: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", options: .regularExpression) != nil else {
            throw fail("--namespace: '\(namespace)' is not a valid Kubernetes name")
        }
        guard (5...86400).contains(interval) else { throw fail("--interval must be 5–86400 s, got \(interval)") }
        guard (1...10000).contains(pps) else { throw fail("--pps must be 1–10000, got \(pps)") }
        guard ["dns", "kubernetes"].contains(discovery) else {
            throw fail("--discovery must be dns or kubernetes, got '\(discovery)'")
        }
    }

    var options: KubeManifests.Options {
        var options = KubeManifests.Options()
        options.discovery = discovery
        options.namespace = namespace
        options.image = image
        options.interval = interval
        options.packetsPerSecond = pps
        if let allow { options.allow = allow.split(separator: ",").map(String.init) }
        return options
    }
}

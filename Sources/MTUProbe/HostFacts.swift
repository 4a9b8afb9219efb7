import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Facts about this host (this network namespace) that decide what happens to ICMP.
public enum HostFacts {
    /// A sysctl's integer value, e.g. `net/ipv4/conf/all/rp_filter`.
    public static func sysctl(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/" + path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The effective rp_filter mode on an interface: the larger of `all` and the interface's own value.
    public static func rpFilter(interface: String) -> Int {
        max(sysctl("net/ipv4/conf/all/rp_filter") ?? 0, sysctl("net/ipv4/conf/\(interface)/rp_filter") ?? 0)
    }

    /// `TcpExt: IPReversePathFilter` from /proc/net/netstat: packets this namespace dropped for failing rp_filter.
    public static func reversePathFilterDrops() -> Int? {
        netstat(group: "TcpExt", field: "IPReversePathFilter")
    }

    static func netstat(group: String, field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/net/netstat", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        var index = 0
        while index + 1 < lines.count {
            let names = lines[index].split(separator: " ")
            let values = lines[index + 1].split(separator: " ")
            if names.first == "\(group):", let position = names.firstIndex(of: Substring(field)),
                position < values.count
            {
                return Int(values[position])
            }
            index += 2
        }
        return nil
    }

    /// The interface the kernel would use to reach `address` (`ip route get`), or nil when there is no route.
    public static func routeInterface(to address: String) -> String? {
        guard
            let output = run(["/usr/sbin/ip", "route", "get", address]) ?? run(["/sbin/ip", "route", "get", address])
        else { return nil }
        let words = output.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard let position = words.firstIndex(of: "dev"), position + 1 < words.count else { return nil }
        return String(words[position + 1])
    }

    /// A path MTU this host has learned toward `address` from an ICMP "too big" (a route exception: `ip route get`
    /// shows `cache expires 583sec mtu 3000`), with the seconds it still lives. Nil when there is none.
    ///
    /// Linux keeps such an exception for `net.ipv4.route.mtu_expires` (default 600 s; IPv6: `net.ipv6.route.mtu_expires`)
    /// and, while it lives, every new TCP connection to that address advertises an MSS no larger than it allows
    /// (`ipv4_default_advmss` uses `ipv4_mtu`, which returns the exception: torvalds/linux net/ipv4/route.c). See
    /// docs/pmtu-cache.md.
    public static func learnedPMTU(to address: String) -> (mtu: Int, expiresSeconds: Int?)? {
        let family = address.contains(":") ? "-6" : "-4"
        guard
            let output = run(["/usr/sbin/ip", family, "route", "get", address])
                ?? run(["/sbin/ip", family, "route", "get", address])
        else { return nil }
        return parseLearnedPMTU(output)
    }

    /// The exception in `ip route get` output: a `mtu N` next to `expires Ns` (a configured route MTU never expires).
    static func parseLearnedPMTU(_ output: String) -> (mtu: Int, expiresSeconds: Int?)? {
        let words = output.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        guard let expires = words.firstIndex(of: "expires"), let mtuAt = words.firstIndex(of: "mtu"),
            mtuAt + 1 < words.count
        else { return nil }
        let value = words[mtuAt + 1] == "lock" && mtuAt + 2 < words.count ? words[mtuAt + 2] : words[mtuAt + 1]
        guard let mtu = Int(value) else { return nil }
        let seconds =
            expires + 1 < words.count ? Int(words[expires + 1].replacingOccurrences(of: "sec", with: "")) : nil
        return (mtu, seconds)
    }

    /// Forgets every path MTU this network namespace has learned (`ip route flush cache`: IPv4 through
    /// /proc/sys/net/ipv4/route/flush, which also invalidates the exceptions; IPv6 with `ip -6 route flush cache`).
    /// Each destination relearns by PMTUD on its next large packet. Needs CAP_NET_ADMIN; returns whether it worked.
    public static func forgetLearnedPMTUs(ipv6: Bool) -> Bool {
        if ipv6 {
            return run(["/usr/sbin/ip", "-6", "route", "flush", "cache"]) != nil
                || run(["/sbin/ip", "-6", "route", "flush", "cache"]) != nil
        }
        guard let handle = FileHandle(forWritingAtPath: "/proc/sys/net/ipv4/route/flush") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("1\n".utf8)) } catch { return false }
        return true
    }

    /// The route type toward an address when it is not unicast (`broadcast`, `multicast`, …), from `ip route get`:
    /// a subnet's broadcast address looks like any other address until the routing table is asked.
    public static func nonUnicastRoute(to address: String) -> String? {
        guard
            let output = run(["/usr/sbin/ip", "route", "get", address]) ?? run(["/sbin/ip", "route", "get", address])
        else { return nil }
        let first = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).first.map(String.init) ?? ""
        return ["broadcast", "multicast", "anycast", "blackhole", "unreachable", "prohibit"].contains(first)
            ? first : nil
    }

    /// An interface's own MTU (/sys/class/net/IFACE/mtu), whatever path MTU the kernel has cached.
    public static func interfaceMTU(_ interface: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/sys/class/net/\(interface)/mtu", encoding: .utf8) else {
            return nil
        }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// TCP MSS clamps in this namespace's iptables (mangle table) and nftables rules, with the value they set
    /// (nil for clamp-to-PMTU). `known` is false when neither tool could be run (no root, not installed).
    public static func mssClamps() -> (rules: [(rule: String, mss: Int?)], known: Bool) {
        var rules: [(String, Int?)] = []
        var known = false
        for tool in ["/usr/sbin/iptables-save", "/sbin/iptables-save"] {
            guard let output = run([tool, "-t", "mangle"]) else { continue }
            known = true
            for line in output.split(separator: "\n") where line.contains("TCPMSS") {
                let words = line.split(separator: " ")
                let value = words.firstIndex(of: "--set-mss").flatMap {
                    $0 + 1 < words.count ? Int(words[$0 + 1]) : nil
                }
                rules.append((String(line), value))
            }
            break
        }
        for tool in ["/usr/sbin/nft", "/sbin/nft"] {
            guard let output = run([tool, "list", "ruleset"]) else { continue }
            known = true
            for line in output.split(separator: "\n") where line.contains("maxseg size set") {
                let text = line.trimmingCharacters(in: .whitespaces)
                let value = text.components(separatedBy: "maxseg size set ").last.flatMap {
                    Int($0.split(separator: " ").first ?? "")
                }
                rules.append((text, value))
            }
            break
        }
        return (rules, known)
    }

    /// Tunnel devices in this namespace (`ip -d -j link`): name, kind, MTU.
    public static func tunnelDevices() -> [(name: String, kind: String, mtu: Int)] {
        guard
            let output = run(["/usr/sbin/ip", "-d", "-j", "link", "show"])
                ?? run(["/sbin/ip", "-d", "-j", "link", "show"]),
            let list = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]
        else { return [] }
        let tunnelKinds: Set<String> = [
            "vxlan", "geneve", "wireguard", "ipip", "gre", "gretap", "ip6tnl", "ip6gre", "sit", "vti", "xfrm",
        ]
        return list.compactMap { link in
            guard let name = link["ifname"] as? String, let mtu = link["mtu"] as? Int,
                let info = link["linkinfo"] as? [String: Any], let kind = info["info_kind"] as? String,
                tunnelKinds.contains(kind)
            else { return nil }
            return (name, kind, mtu)
        }
    }

    /// Routes that set their own MTU (`ip -j route show`: metrics mtu): destination, device, MTU.
    public static func routeMTUs() -> [(destination: String, device: String, mtu: Int)] {
        guard let output = run(["/usr/sbin/ip", "-j", "route", "show"]) ?? run(["/sbin/ip", "-j", "route", "show"]),
            let list = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]
        else { return [] }
        return list.compactMap { route in
            guard let metrics = route["metrics"] as? [[String: Any]],
                let mtu = metrics.compactMap({ $0["mtu"] as? Int }).first
            else { return nil }
            return (route["dst"] as? String ?? "default", route["dev"] as? String ?? "", mtu)
        }
    }

    /// Whether this process runs in a Kubernetes pod.
    public static func inKubernetesPod() -> Bool {
        ProcessInfo.processInfo.environment["KUBERNETES_SERVICE_HOST"] != nil
            || FileManager.default.fileExists(atPath: "/var/run/secrets/kubernetes.io/serviceaccount/token")
    }

    static func run(_ arguments: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: arguments[0]) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The name of the `ip netns` namespace this process runs in, if it is one (like `ip netns identify`).
    public static func namedNamespace() -> String? {
        // stat(2) follows the /proc symlink to the namespace itself; compare device and inode.
        func identity(_ path: String) -> (UInt64, UInt64)? {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return (UInt64(info.st_dev), UInt64(info.st_ino))
        }
        guard let own = identity("/proc/self/ns/net") else { return nil }
        for directory in ["/run/netns", "/var/run/netns"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                if let other = identity("\(directory)/\(name)"), other == own { return name }
            }
        }
        return nil
    }

    /// Whether this process runs inside a lab namespace (an `ip netns` namespace whose name starts with `mtud-`),
    /// never the host's own. Test helpers and `--lab-only` refuse to probe otherwise.
    public static func inLabNamespace() -> Bool {
        namedNamespace()?.hasPrefix("mtud-") ?? false
    }
}

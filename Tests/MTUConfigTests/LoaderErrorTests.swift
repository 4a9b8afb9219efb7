import Foundation
import MTUConfig
import MTUCore
import MTUTestSupport
import Testing

@Suite("Bad topology input: one clear message with file:line:column and the field")
struct LoaderErrorTests {
    @Test(
        "errors",
        arguments: [
            (
                "name: x\nnodes:\n  - name: a\n    kind: host\n    interfaces:\n      - { name: eth0, mttu: 1500 }\n",
                "test.yaml:6:23: nodes[0].interfaces[0].mttu: unknown key 'mttu' (did you mean 'mtu'?)"
            ),
            (
                "name: x\nnodes:\n  - name: a\n    kind: hots\n",
                "test.yaml:4:11: nodes[0].kind: unknown value 'hots' (did you mean 'host'?)"
            ),
            (
                "name: x\nnodes:\n  - name: a\n    kind: host\n    interfaces:\n      - { name: eth0, mtu: big }\n",
                "test.yaml:6:28: nodes[0].interfaces[0].mtu: expected an integer, got 'big'"
            ),
            (
                "name: x\nnodes:\n  - name: a\n    kind: host\n    interfaces:\n      - { name: eth0, mtu: 70000 }\n",
                "test.yaml:6:28: nodes[0].interfaces[0].mtu: MTU 70000 is outside 68–65535"
            ),
            (
                "name: x\nnodes:\n  - name: a\n    kind: host\n    interfaces:\n      - { name: eth0, mtu: 1000, address: \"fd00::1/64\" }\n",
                "IPv6 needs at least 1280"
            ),
            (
                "name: x\nsegments: [{ name: lan }]\nnodes:\n  - name: a\n    kind: host\n    interfaces:\n      - { name: eth0, segment: lann }\n",
                "test.yaml:7:9: nodes[0].interfaces[0]: unknown segment 'lann' (did you mean 'lan'?)"
            ),
            (
                "name: x\nnodes:\n  - name: a\n    kind: host\n    interfaces:\n      - { name: e1, parent: e2 }\n      - { name: e2, parent: e1 }\n",
                "interface parent cycle on node 'a': e1 → e2 → e1"
            ),
            (
                "name: x\nsegments: [{name: s1}, {name: s2}]\nnodes:\n  - { name: a, kind: host, interfaces: [{ name: eth0, segment: s1 }] }\n  - { name: b, kind: host, interfaces: [{ name: eth0, segment: s2 }] }\nflows:\n  - { name: f, from: a, to: b }\n",
                "test.yaml:7:5: flows[0]: flow 'f': no route from 'a' to 'b'"
            ),
            (
                "name: x\nnodes:\n  - { name: a, kind: host, interfaces: [{ name: eth0 }] }\noverlays:\n  - { name: o, encapsulation: vxlna, endpoints: [] }\n",
                "overlays[0].encapsulation: unknown encapsulation 'vxlna'"
            ),
            ("name: x\nnodes: [\n  - a\n", "test.yaml:3:3: (syntax): YAML syntax error"),
            ("", "the topology file is empty"),
            ("name: x\nnodes:\n  - { name: a, kind: host }\n  - { name: a, kind: host }\n", "duplicate node name 'a'"),
            ("name: x\nnodes:\n  - { name: a, kind: host, kind: pod }\n", "duplicate key 'kind' in one mapping"),
            (
                "name: x\nnodes:\n  - { name: a, kind: host }\nflows:\n  - { name: f, from: a, to: bb }\n",
                "unknown node 'bb'"
            ),
            (
                "name: x\nnodes:\n  - { name: a, kind: host }\nflows:\n  - { name: f, from: a, to: a }\n",
                "from a node to itself"
            ),
            (
                "name: x\nnodes:\n  - { name: a, kind: host, sysctls: { net.ipv4.conf.all.rp_filtr: 1 } }\n",
                "unsupported sysctl 'net.ipv4.conf.all.rp_filtr'"
            ),
            (
                "name: x\nnodes:\n  - { name: a, kind: host, sysctls: { net.ipv4.conf.all.rp_filter: 3 } }\n",
                "rp_filter is 0, 1 or 2"
            ),
            (
                "name: x\nnodes:\n  - { name: p, kind: pod, host: h, overlay: o }\n  - { name: h, kind: host }\n",
                "unknown overlay 'o'"
            ),
            (
                "name: x\nnodes:\n  - { name: a, kind: host, mode: proxy }\n",
                "'mode' applies to kind: loadbalancer only"
            ),
            ("name: x\nnodes: {}\n", "test.yaml:2:8: nodes: expected a list, got a mapping"),
            ("nodes: []\n", "missing required key 'name'"),
            ("name: x\nversion: 2\nnodes: []\n", "unsupported topology version"),
            (
                "name: x\nnodes:\n  - { name: a, kind: host, interfaces: [{ name: eth0, address: 10.0.0.300/24 }] }\n",
                "expected an address with prefix length"
            ),
            (
                "name: x\nnodes:\n  - { name: r, kind: router }\n  - { name: a, kind: host }\n  - { name: b, kind: host }\nflows:\n  - { name: f, from: a, to: b, via: [a] }\n",
                "waypoint 'a' does not forward packets"
            ),
        ])
    func error(yaml: String, expected: String) {
        let message = topologyError { _ = try Analyzer.check(try TopologyLoader.parse(yaml, file: "test.yaml")) }
        #expect(message?.contains(expected) == true, "got: \(message ?? "no error")")
        #expect(message?.contains("\n") == false, "one line")
    }

    @Test func missingFileSaysSo() {
        let message = topologyError { _ = try TopologyLoader.load(path: "/nonexistent/topology.yaml") }
        #expect(message == "/nonexistent/topology.yaml: no such file")
    }

    /// Random byte- and line-level mutations of every example: the loader must either load the file or throw a
    /// TopologyError with a location; whatever loads must analyse without crashing. A crash fails the whole run.
    @Test func fuzzedExamplesNeverCrash() throws {
        let directory = "\(repositoryRoot)/examples"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
            .sorted()
        #expect(files.count >= 6)
        var generator = SplitMix64(seed: 0x6d74_7564_6f63)
        var loaded = 0
        var rejected = 0
        let tokens = [
            "mtu: 0", "mtu: -1", "mtu: 99999999999999999999", "parent: eth0", "segment: nowhere", "kind: pod",
            "host: nobody",
            "{", "}", "[", "]", ":", "- ", "&a", "*a", "!!binary", "\"", "'", "\t", "\u{0}", "null", "~", "? ", "|",
            ">",
            "via: [x]", "encapsulation: geneve:3", "outerDF: maybe", "address: ::::", "mssClamp: 1",
        ]
        for round in 0..<1500 {
            let file = files[round % files.count]
            var lines = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8).split(
                separator: "\n", omittingEmptySubsequences: false
            ).map(String.init)
            for _ in 0..<Int(generator.next() % 4 + 1) {
                let index = Int(generator.next() % UInt64(lines.count))
                switch generator.next() % 6 {
                case 0: lines.remove(at: index)
                case 1: lines.insert(lines[Int(generator.next() % UInt64(lines.count))], at: index)
                case 2: lines[index] += " " + tokens[Int(generator.next() % UInt64(tokens.count))]
                case 3:
                    var scalars = Array(lines[index].unicodeScalars)
                    if !scalars.isEmpty {
                        scalars[Int(generator.next() % UInt64(scalars.count))] = UnicodeScalar(
                            UInt8(generator.next() % 127))
                        lines[index] = String(String.UnicodeScalarView(scalars))
                    }
                case 4: lines[index] = String(repeating: " ", count: Int(generator.next() % 6)) + lines[index]
                default: lines[index] = tokens[Int(generator.next() % UInt64(tokens.count))]
                }
                if lines.isEmpty { lines = [""] }
            }
            do {
                let topology = try TopologyLoader.parse(lines.joined(separator: "\n"), file: file)
                loaded += 1
                _ = try? Analyzer.check(topology)
            } catch {
                rejected += 1
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(loaded > 0 && rejected > 0, "loaded \(loaded), rejected \(rejected)")
    }
}

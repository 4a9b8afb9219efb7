import MTUConfig
import MTUCore
import MTUTestSupport

let repositoryRoot = TestSupport.repositoryRoot

func example(_ name: String) -> String { "\(repositoryRoot)/examples/\(name).yaml" }

func checkExample(_ name: String) throws -> CheckReport {
    try Analyzer.check(try TopologyLoader.load(path: example(name)))
}

func check(_ yaml: String) throws -> CheckReport {
    try Analyzer.check(try TopologyLoader.parse(yaml, file: "test.yaml"))
}

extension CheckReport {
    func flow(_ name: String) -> FlowResult? { flows.first { $0.name == name } }
}

/// Expects `body` to throw a TopologyError and returns its text.
func topologyError(_ body: () throws -> Void) -> String? {
    do {
        try body()
    } catch let error as TopologyError {
        return error.description
    } catch {
        return "unexpected \(type(of: error)): \(error)"
    }
    return nil
}

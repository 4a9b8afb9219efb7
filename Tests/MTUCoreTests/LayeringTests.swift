import Foundation
import Testing

/// MTUCore is one module in five folders, one per domain, over the vocabulary target MTUModel, layered: a folder may
/// name the types of the folders below it only, and MTUModel none of ours. The compiler cannot see folders, so this test reads the sources: every top-level type a folder declares,
/// and every other folder that names it (in code, not in comments or strings). A new edge fails here with the file
/// to look at; docs/ARCHITECTURE.md draws the same layers.
@Suite("MTUCore layering")
struct LayeringTests {
    /// What each folder may use, besides itself.
    static let allowed: [String: Set<String>] = [
        "Sizes": [],
        "Mesh": [],
        "Kubernetes": ["Sizes"],
        "Check": ["Sizes", "Kubernetes"],
        "Diagnosis": ["Sizes", "Kubernetes", "Check"],
    ]

    static let sourcesRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")
    static let root = sourcesRoot.appendingPathComponent("MTUCore")

    /// Each source file's folder and text with comments and string literals blanked.
    static func sources() throws -> [(folder: String, file: String, code: String)] {
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted().filter {
            !$0.hasSuffix(".swift")
        }
        return try folders.flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path).sorted()
                .filter { $0.hasSuffix(".swift") }
                .map { file in
                    let text = try String(
                        contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
                    return (folder, file, strip(text))
                }
        }
    }

    static func strip(_ text: String) -> String {
        text.replacing(#/"""[\s\S]*?"""/#, with: "\"\"").replacing(#/"(?:[^"\\\n]|\\.)*"/#, with: "\"\"")
            .replacing(#/\/\/[^\n]*/#, with: "")
    }

    /// A type name as a whole identifier, with simple word boundaries (Unicode's default ones join `Type.member`
    /// into one word).
    static func word(_ name: String) throws -> Regex<AnyRegexOutput> {
        try Regex("\\b\(name)\\b").wordBoundaryKind(.simple)
    }

    @Test func everyFolderUsesOnlyTheLayersBelowIt() throws {
        let sources = try Self.sources()
        #expect(Set(sources.map(\.folder)) == Set(Self.allowed.keys), "a folder was added or renamed: place it here")
        var owner: [String: String] = [:]  // top-level type → folder
        var declared: [String: Set<String>] = [:]  // folder → every type name it declares, nested ones too
        for source in sources {
            for match in source.code.matches(
                of: #/(?m)^(?:public |package )?(?:enum|struct|protocol|final class|class) (\w+)/#)
            {
                owner[String(match.1)] = source.folder
            }
            for match in source.code.matches(of: #/(?:enum|struct|protocol|class) (\w+)/#) {
                declared[source.folder, default: []].insert(String(match.1))
            }
        }
        #expect(owner.count > 35, "the scan found the types (\(owner.count))")
        // A name the model declares (a report's nested `Node`, `Overlay`…) is the model's wherever it appears: the
        // scan reads words, not types, and every folder may use the model.
        let model = try Self.modelFiles().reduce(into: Set<String>()) { names, file in
            for match in Self.strip(file.text).matches(of: #/(?:enum|struct|protocol|class) (\w+)/#) {
                names.insert(String(match.1))
            }
        }
        #expect(model.contains("KubeAuditReport") && model.contains("Node"), "the model's names were read")
        var edges: [String] = []
        for source in sources {
            for (type, folder) in owner
            where folder != source.folder && !declared[source.folder, default: []].contains(type)
                && !model.contains(type)
            {
                guard !Self.allowed[source.folder, default: []].contains(folder),
                    source.code.contains(try Self.word(type))
                else { continue }
                edges.append("\(source.folder)/\(source.file) uses \(folder)'s \(type)")
            }
        }
        #expect(edges.isEmpty, "\(edges.sorted().joined(separator: "\n"))")
    }

    /// The vocabulary depends on nothing of ours (the standard library and Foundation only).
    @Test func theModelImportsNothingOfOurs() throws {
        let files = try Self.modelFiles()
        #expect(files.count >= 15 && files.contains { $0.path.hasPrefix("Reports/") }, "\(files.map(\.path))")
        for file in files {
            let imports = file.text.split(separator: "\n").filter { $0.hasPrefix("import ") }.map { $0.dropFirst(7) }
            #expect(imports.allSatisfy { $0 == "Foundation" }, "\(file.path): \(imports)")
        }
    }

    /// Every source file of MTUModel, its subfolders (`Reports/`) included, by its path inside the target.
    static func modelFiles() throws -> [(path: String, text: String)] {
        let model = sourcesRoot.appendingPathComponent("MTUModel")
        let paths = try FileManager.default.subpathsOfDirectory(atPath: model.path).filter { $0.hasSuffix(".swift") }
        return try paths.sorted().map {
            ($0, try String(contentsOf: model.appendingPathComponent($0), encoding: .utf8))
        }
    }

    /// The scan itself can fail: a made-up upward edge is found.
    @Test func theScanFindsAnUpwardEdge() throws {
        let sources = try Self.sources()
        let mesh = try #require(sources.first { $0.folder == "Mesh" })
        let word = try Self.word("Diagnoser")
        #expect(!mesh.code.contains(word))
        #expect((mesh.code + "\nlet x = Diagnoser.diagnose(e)").contains(word))
        #expect(!Self.strip("let a = \"Diagnoser\" // Diagnoser").contains(word))
        #expect(!"MyDiagnoser.x".contains(word))
    }
}

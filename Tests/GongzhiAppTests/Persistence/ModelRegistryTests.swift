import Fluent
import Foundation
@testable import GongzhiApp
import Testing

@Suite("Models list their properties by hand")
struct ModelRegistryTests {
    /// What FluentKit's default `properties` would find: the property wrappers, by reflection, in order.
    static func reflected(_ model: any Fields) -> [ObjectIdentifier] {
        Mirror(reflecting: model).children.compactMap { $0.value as? any AnyProperty }.map { ObjectIdentifier($0 as AnyObject) }
    }

    @Test("every model's hand-written list is exactly its property wrappers, in order")
    func listsMatchReflection() {
        for type in ModelRegistry.all {
            let model = type.init()
            let listed = model.properties.map { ObjectIdentifier($0 as AnyObject) }
            #expect(listed == Self.reflected(model), "\(type): the list in `var properties` differs from the model's fields")
            #expect(!listed.isEmpty)
        }
    }

    @Test("every model class in the sources is in the registry")
    func registryIsComplete() throws {
        let sources = repositoryRoot.appendingPathComponent("Sources/GongzhiApp")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" }
        let declaration = /final class (\w+): Model\b/
        var declared = Set<String>()
        for file in files {
            for match in try String(contentsOf: file, encoding: .utf8).matches(of: declaration) { declared.insert(String(match.1)) }
        }
        let registered = Set(ModelRegistry.all.map { String(describing: $0) })
        #expect(declared.count >= 40)
        #expect(declared == registered, "missing: \(declared.subtracting(registered).sorted()), extra: \(registered.subtracting(declared).sorted())")
    }
}

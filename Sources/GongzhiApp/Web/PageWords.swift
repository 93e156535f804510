import LeafKit

/// The words of one language for a page's template (`#(t.login_title)`). Their Leaf form is built once per language
/// and shared by every render: encoding the ~800 entries anew for each page (twice on pages with a case table) was a
/// few per cent of a busy workbench's time and as many short-lived allocations.
struct PageWords: Encodable, LeafDataRepresentable, Sendable {
    let lang: Lang

    init(_ lang: Lang) { self.lang = lang }

    /// The words for a Leaf key (`.` written `_`), or nil.
    subscript(key: String) -> String? { Strings.all(lang)[key] }

    var leafData: LeafData { lang == .zh ? Self.zh : Self.en }

    /// Other encoders (JSON in tests, say) see the plain table.
    func encode(to encoder: any Encoder) throws { try Strings.all(lang).encode(to: encoder) }

    private static let zh = LeafData.dictionary(Strings.all(.zh).mapValues { LeafData.string($0) })
    private static let en = LeafData.dictionary(Strings.all(.en).mapValues { LeafData.string($0) })
}

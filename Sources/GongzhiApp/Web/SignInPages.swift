/// Where a page that needs an account sends a visitor: staff pages to the username sign-in (`/login`), everything
/// a resident uses to sign-in by mobile number (`/signin`, which links to `/login` too).
enum SignInPages {
    static let staffPrefixes = ["/workbench", "/cases", "/window", "/supervise", "/dashboard", "/rectifications", "/org", "/people",
                                "/households", "/import", "/audit", "/users", "/accounts", "/catalogue"]

    static func page(for path: String) -> String {
        staffPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") } ? "/login" : "/signin"
    }
}

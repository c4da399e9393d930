import Foundation

/// Keeps secrets out of every text that leaves the process — errors, dead letters, lineage,
/// descriptions: the bearer token, secret header values, a URL's password and query
/// parameters whose names say they hold a credential are replaced by `***`, wherever they
/// appear, even inside a response body that echoes them back.
///
/// ```swift
/// let redactor = SecretRedactor(secrets: ["s3cret"], url: "https://ann:pw@api.example.com/x?api_key=k1&page=2")
/// redactor.display(redactor.url!)   // "https://ann:***@api.example.com/x?api_key=***&page=2"
/// redactor.redact("echo: Bearer s3cret") // "echo: Bearer ***"
/// ```
public struct SecretRedactor: Sendable {
    /// Query parameters taken to hold credentials.
    public static let secretParameterNames: Set<String> = [
        "token", "access_token", "accesstoken", "api_key", "apikey", "key", "secret", "client_secret",
        "password", "passwd", "pwd", "auth", "signature", "sig", "session",
    ]
    /// Header names taken to hold credentials.
    public static func isSecretHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["authorization", "cookie", "token", "secret", "api-key", "apikey", "x-api-key", "password"].contains { lower.contains($0) }
    }

    /// The texts replaced, longest first (so that a secret containing another is hidden whole).
    public let secrets: [String]
    /// The URL the source was configured with, if any.
    public let url: URL?

    /// A redactor for `secrets`, and for the password and secret query values of `url`.
    public init(secrets: [String], url: String? = nil) {
        var all = secrets
        let parsed = url.flatMap { URL(string: $0) }
        if let parsed, let components = URLComponents(url: parsed, resolvingAgainstBaseURL: false) {
            if let password = components.password { all.append(password); all.append(components.percentEncodedPassword ?? "") }
            for item in components.queryItems ?? [] where Self.secretParameterNames.contains(item.name.lowercased()) {
                if let value = item.value { all.append(value) }
            }
        }
        // Very short "secrets" would blank out ordinary text; they are masked where they are
        // known to be (URL parts, headers) instead.
        self.secrets = Array(Set(all.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
        self.url = parsed
    }

    /// `text` with every secret replaced by `***`.
    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }

    /// `url` as it may be shown: the password and secret query values masked.
    public func display(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return redact(url.absoluteString) }
        if components.password != nil { components.password = "***" }
        if let items = components.queryItems {
            components.queryItems = items.map { item in
                Self.secretParameterNames.contains(item.name.lowercased()) ? URLQueryItem(name: item.name, value: "***") : item
            }
        }
        return redact(components.string ?? url.absoluteString).replacingOccurrences(of: "%2A%2A%2A", with: "***")
    }

    /// `url` (text) as it may be shown.
    public func display(_ url: String) -> String {
        URL(string: url).map(display) ?? redact(url)
    }
}

import SluiceCrypto

/// PostgreSQL's `md5` password authentication: the answer to an AuthenticationMD5Password
/// request with its 4-byte `salt` — "md5" and the hex MD5 of the hex MD5 of password and user
/// name, salted. Older servers' method; SCRAM-SHA-256 is the default.
public enum MD5Password {
    /// The password message's content for `user` and `password`, under `salt`.
    public static func response(user: String, password: String, salt: [UInt8]) -> String {
        let inner = hexadecimal(MD5.hash(Array((password + user).utf8)))
        return "md5" + hexadecimal(MD5.hash(Array(inner.utf8) + salt))
    }
}

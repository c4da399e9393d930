/// One operation the server sends, parsed and checked.
enum NATSServerOperation: Equatable {
    /// `INFO`: the server's description.
    case info(NATSServerInfo)
    /// `MSG` or `HMSG`: a message for the subscription `sid`.
    case message(sid: UInt64, NATSMessage)
    /// `PING`: answer with `PONG`.
    case ping
    /// `PONG`: the answer to a `PING` of ours.
    case pong
    /// `+OK` (verbose mode only).
    case ok
    /// `-ERR 'text'`: a protocol or permission error.
    case error(String)
}

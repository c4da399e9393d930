import Foundation
import SluiceCore

/// A payload as it came in, with where it came from: what the landing zone stores.
///
/// `Source.httpPages` produces them from an API (one per response); your own sources can
/// produce them from files, queues or anything else.
public struct LandedPayload: Codable, Sendable, Equatable {
    /// The URL or path it came from.
    public var origin: String
    /// Where in the origin: a page, a cursor, a byte offset.
    public var offset: String?
    /// When it was received, in milliseconds since the epoch.
    public var ingestedAt: Int64
    /// The payload, exactly as received.
    public var payload: String

    /// A payload.
    public init(origin: String, offset: String? = nil, ingestedAt: Int64, payload: String) {
        self.origin = origin
        self.offset = offset
        self.ingestedAt = ingestedAt
        self.payload = payload
    }
}

/// The lineage of one landed part file, written beside it as `<part>.lineage.json`.
public struct LandingLineage: Codable, Sendable, Equatable {
    /// The source's name.
    public var source: String
    /// The part file, relative to the landing zone.
    public var part: String
    /// The distinct origins (URLs or paths) of its payloads, in order.
    public var origins: [String]
    /// The first and last offsets, when the payloads had them.
    public var firstOffset: String?, lastOffset: String?
    /// The earliest and latest ingestion times, in milliseconds since the epoch.
    public var firstIngestedAt: Int64, lastIngestedAt: Int64
    /// The number of payloads.
    public var payloads: Int
    /// FNV-1a 64 of the part file's bytes, hexadecimal.
    public var checksum: String

    /// FNV-1a 64 of a file's bytes, hexadecimal: how ``checksum`` is computed.
    public static func fileChecksum(_ path: String) -> String {
        FNV1a.hex(FileManager.default.contents(atPath: path) ?? Data())
    }
}

/// A PostgreSQL data type by its OID, as a row description reports it. The built-in types'
/// OIDs are fixed (`pg_type.dat`); others (enums, domains, extensions) are known by OID only.
public struct PostgresType: Hashable, Sendable, CustomStringConvertible {
    /// The type's OID.
    public let oid: UInt32

    /// The type with this OID.
    public init(oid: UInt32) { self.oid = oid }

    /// The built-in `bool` type.
    public static let bool = PostgresType(oid: 16)
    /// The built-in `bytea` type.
    public static let bytea = PostgresType(oid: 17)
    /// The built-in `char` type.
    public static let char = PostgresType(oid: 18)
    /// The built-in `name` type.
    public static let name = PostgresType(oid: 19)
    /// The built-in `int8` type.
    public static let int8 = PostgresType(oid: 20)
    /// The built-in `int2` type.
    public static let int2 = PostgresType(oid: 21)
    /// The built-in `int4` type.
    public static let int4 = PostgresType(oid: 23)
    /// The built-in `text` type.
    public static let text = PostgresType(oid: 25)
    /// The built-in `oidType` type.
    public static let oidType = PostgresType(oid: 26)
    /// The built-in `json` type.
    public static let json = PostgresType(oid: 114)
    /// The built-in `xml` type.
    public static let xml = PostgresType(oid: 142)
    /// The built-in `float4` type.
    public static let float4 = PostgresType(oid: 700)
    /// The built-in `float8` type.
    public static let float8 = PostgresType(oid: 701)
    /// The built-in `unknown` type.
    public static let unknown = PostgresType(oid: 705)
    /// The built-in `bpchar` type.
    public static let bpchar = PostgresType(oid: 1042)
    /// The built-in `varchar` type.
    public static let varchar = PostgresType(oid: 1043)
    /// The built-in `date` type.
    public static let date = PostgresType(oid: 1082)
    /// The built-in `time` type.
    public static let time = PostgresType(oid: 1083)
    /// The built-in `timestamp` type.
    public static let timestamp = PostgresType(oid: 1114)
    /// The built-in `timestamptz` type.
    public static let timestamptz = PostgresType(oid: 1184)
    /// The built-in `interval` type.
    public static let interval = PostgresType(oid: 1186)
    /// The built-in `timetz` type.
    public static let timetz = PostgresType(oid: 1266)
    /// The built-in `numeric` type.
    public static let numeric = PostgresType(oid: 1700)
    /// The built-in `uuid` type.
    public static let uuid = PostgresType(oid: 2950)
    /// The built-in `jsonb` type.
    public static let jsonb = PostgresType(oid: 3802)
    /// The built-in `pgLSN` type.
    public static let pgLSN = PostgresType(oid: 3220)

    /// Element type → array type, for the element types the decoder reads.
    static let arrayTypes: [PostgresType: PostgresType] = [
        .bool: PostgresType(oid: 1000), .bytea: PostgresType(oid: 1001), .char: PostgresType(oid: 1002),
        .name: PostgresType(oid: 1003), .int2: PostgresType(oid: 1005), .int4: PostgresType(oid: 1007),
        .text: PostgresType(oid: 1009), .bpchar: PostgresType(oid: 1014), .varchar: PostgresType(oid: 1015),
        .int8: PostgresType(oid: 1016), .float4: PostgresType(oid: 1021), .float8: PostgresType(oid: 1022),
        .timestamp: PostgresType(oid: 1115), .date: PostgresType(oid: 1182), .time: PostgresType(oid: 1183),
        .timestamptz: PostgresType(oid: 1185), .numeric: PostgresType(oid: 1231), .uuid: PostgresType(oid: 2951),
        .json: PostgresType(oid: 199), .jsonb: PostgresType(oid: 3807), .oidType: PostgresType(oid: 1028),
    ]
    static let elementTypes: [PostgresType: PostgresType] = Dictionary(uniqueKeysWithValues: arrayTypes.map { ($0.value, $0.key) })

    /// The element type when this is a one-dimensional array type the decoder reads.
    public var elementType: PostgresType? { Self.elementTypes[self] }

    /// The array type of this element type, when the decoder reads it.
    public var arrayType: PostgresType? { Self.arrayTypes[self] }

    static let names: [PostgresType: String] = [
        .bool: "boolean", .bytea: "bytea", .char: "\"char\"", .name: "name", .int8: "bigint", .int2: "smallint",
        .int4: "integer", .text: "text", .oidType: "oid", .json: "json", .xml: "xml", .float4: "real",
        .float8: "double precision", .unknown: "unknown", .bpchar: "character", .varchar: "character varying",
        .date: "date", .time: "time", .timestamp: "timestamp", .timestamptz: "timestamptz", .interval: "interval",
        .timetz: "timetz", .numeric: "numeric", .uuid: "uuid", .jsonb: "jsonb", .pgLSN: "pg_lsn",
    ]

    /// The SQL name (`integer`, `timestamptz`, `text[]`), or `type 16384` for a type known by OID only.
    public var description: String {
        if let name = Self.names[self] { return name }
        if let element = elementType { return element.description + "[]" }
        return "type \(oid)"
    }

    /// Whether values are integers: int2, int4, int8, oid.
    var isInteger: Bool { self == .int2 || self == .int4 || self == .int8 || self == .oidType }
    /// Whether values are floating point.
    var isFloat: Bool { self == .float4 || self == .float8 }
    /// Whether values are JSON documents.
    var isJSON: Bool { self == .json || self == .jsonb }
    /// Whether the type's text is not meant as text: numbers, booleans, times, bytes, lists.
    var isNonText: Bool {
        isInteger || isFloat || self == .bool || self == .bytea || self == .date || self == .time || self == .timestamp
            || self == .timestamptz || elementType != nil
    }
}

import SluiceCore

/// How the source reports a captured table's change of shape.
extension PostgresChangeSource.Reader {
    /// A table's change of shape in words: `public.orders changed shape (in the transaction
    /// committed at 0/16B3F10): added note (text); dropped fax; retyped amount from int4 to
    /// numeric. Its changes follow the new shape.`
    static func shapeChange(from old: PgOutputRelation, to new: PgOutputRelation, at lsn: PostgresLSN?) -> String {
        let oldColumns = Dictionary(old.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.columns.map(\.name))
        var parts: [String] = []
        let added = new.columns.filter { oldColumns[$0.name] == nil }.map { "\($0.name) (\(PostgresType(oid: $0.typeID)))" }
        if !added.isEmpty { parts.append("added " + added.joined(separator: ", ")) }
        let dropped = old.columns.filter { !newNames.contains($0.name) }.map(\.name)
        if !dropped.isEmpty { parts.append("dropped " + dropped.joined(separator: ", ")) }
        let retyped = new.columns.compactMap { column -> String? in
            guard let before = oldColumns[column.name], before.typeID != column.typeID || before.typeModifier != column.typeModifier else { return nil }
            return "\(column.name) from \(PostgresType(oid: before.typeID)) to \(PostgresType(oid: column.typeID))"
        }
        if !retyped.isEmpty { parts.append("retyped " + retyped.joined(separator: ", ")) }
        let keys = { (relation: PgOutputRelation) in relation.columns.filter(\.isKey).map(\.name) }
        if keys(old) != keys(new) { parts.append("key now " + keys(new).joined(separator: ", ")) }
        if parts.isEmpty { parts.append("columns reordered") }
        let when = lsn.map { " (in the transaction committed at \($0))" } ?? ""
        return "\(new.qualifiedName) changed shape\(when): \(parts.joined(separator: "; ")). Its changes follow the new shape."
    }
}

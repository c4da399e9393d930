/// Disjoint sets over 0..<count with path halving and union by size: which records ended up
/// in one entity.
public struct UnionFind: Sendable {
    private var parent: [Int]
    private var size: [Int]

    /// `count` singletons.
    public init(count: Int) {
        parent = Array(0..<count)
        size = Array(repeating: 1, count: count)
    }

    /// The representative of `element`'s set.
    public mutating func find(_ element: Int) -> Int {
        var current = element
        while parent[current] != current {
            parent[current] = parent[parent[current]]
            current = parent[current]
        }
        return current
    }

    /// Merges the sets of `a` and `b`.
    public mutating func union(_ a: Int, _ b: Int) {
        var x = find(a), y = find(b)
        guard x != y else { return }
        if size[x] < size[y] { swap(&x, &y) }
        parent[y] = x
        size[x] += size[y]
    }

    /// The sets with more than one element are what matching found; each set is sorted.
    public mutating func groups() -> [[Int]] {
        var members: [Int: [Int]] = [:]
        for element in parent.indices { members[find(element), default: []].append(element) }
        return Array(members.values)
    }
}

/// The elements of a list ``Value``: a collection of values, used like `[Value]`.
///
/// A list of whole numbers or of doubles — what JSON readers make of `[1,2,3]` or of an
/// embedding vector — is held as plain numbers, 8 bytes an element instead of the 24 of a
/// `Value`. The storage is invisible: elements read as `.int` or `.double`, and two lists
/// with equal elements are equal and hash alike however they are held.
///
/// ```swift
/// let list: ValueList = [.int(1), .string("two")]
/// let scores = ValueList(integers: [3, 1, 2])
/// if case .array(let items) = record["scores"] { print(items.count, items.first ?? .null) }
/// ```
public struct ValueList: RandomAccessCollection, RangeReplaceableCollection, Sendable, Hashable,
                         ExpressibleByArrayLiteral, CustomStringConvertible {
    @usableFromInline enum Storage: Sendable {
        case values([Value])
        case integers([Int64])
        case doubles([Double])
    }

    @usableFromInline var storage: Storage

    /// An empty list.
    public init() { storage = .values([]) }

    /// A list of `values`.
    public init(_ values: [Value]) { storage = .values(values) }

    /// A list of `values`.
    public init<S: Sequence>(_ values: S) where S.Element == Value { storage = .values(Array(values)) }

    /// A list of whole numbers, held compactly; its elements read as `.int`.
    public init(integers: [Int64]) { storage = .integers(integers) }

    /// A list of doubles, held compactly; its elements read as `.double`.
    public init(doubles: [Double]) { storage = .doubles(doubles) }

    /// A list of the literal's values.
    public init(arrayLiteral elements: Value...) { storage = .values(elements) }

    /// The position of the first element.
    @inlinable public var startIndex: Int { 0 }

    /// The position after the last element.
    @inlinable public var endIndex: Int {
        switch storage {
        case .values(let values): return values.count
        case .integers(let integers): return integers.count
        case .doubles(let doubles): return doubles.count
        }
    }

    /// The element at `position`.
    @inlinable public subscript(position: Int) -> Value {
        switch storage {
        case .values(let values): return values[position]
        case .integers(let integers): return .int(integers[position])
        case .doubles(let doubles): return .double(doubles[position])
        }
    }

    /// The elements as an array of values.
    public var values: [Value] {
        if case .values(let values) = storage { return values }
        return Array(self)
    }

    /// Replaces the elements in `range` with `newElements`; a compact list stays compact
    /// while what is added fits it.
    public mutating func replaceSubrange<C: Collection>(_ range: Range<Int>, with newElements: C) where C.Element == Value {
        switch storage {
        case .integers(var integers):
            let added = newElements.compactMap { if case .int(let value) = $0 { return value } else { return nil } }
            if added.count == newElements.count {
                storage = .values([])   // drops the reference, so the change below does not copy
                integers.replaceSubrange(range, with: added)
                storage = .integers(integers)
                return
            }
        case .doubles(var doubles):
            let added = newElements.compactMap { if case .double(let value) = $0 { return value } else { return nil } }
            if added.count == newElements.count {
                storage = .values([])
                doubles.replaceSubrange(range, with: added)
                storage = .doubles(doubles)
                return
            }
        case .values:
            break
        }
        var values = self.values
        storage = .values([])
        values.replaceSubrange(range, with: newElements)
        storage = .values(values)
    }

    /// Reserves room for `capacity` elements.
    public mutating func reserveCapacity(_ capacity: Int) {
        switch storage {
        case .values(var values): storage = .values([]); values.reserveCapacity(capacity); storage = .values(values)
        case .integers(var integers): storage = .values([]); integers.reserveCapacity(capacity); storage = .integers(integers)
        case .doubles(var doubles): storage = .values([]); doubles.reserveCapacity(capacity); storage = .doubles(doubles)
        }
    }

    /// Whether both lists have equal elements in the same order.
    public static func == (lhs: ValueList, rhs: ValueList) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.values(let left), .values(let right)): return left == right
        case (.integers(let left), .integers(let right)): return left == right
        case (.doubles(let left), .doubles(let right)): return left == right
        default: return lhs.elementsEqual(rhs)
        }
    }

    /// Hashes the elements, so that equal lists hash alike whatever their storage.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }

    /// The elements in brackets.
    public var description: String { "[" + map(\.description).joined(separator: ", ") + "]" }
}

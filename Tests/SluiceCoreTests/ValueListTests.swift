import Foundation
import Testing
@testable import SluiceCore

@Suite struct ValueListTests {
    @Test func compactAndGeneralListsWithEqualElementsAreEqualAndHashAlike() {
        let compact = ValueList(integers: [1, 2, 3])
        let general: ValueList = [.int(1), .int(2), .int(3)]
        #expect(compact == general)
        #expect(compact.hashValue == general.hashValue)
        #expect(Set([Value.array(compact), .array(general)]).count == 1)
        #expect(ValueList(doubles: [1.5]) == [.double(1.5)])
        #expect(ValueList(integers: [1]) != ValueList(doubles: [1]))
        #expect(Array(compact) == [.int(1), .int(2), .int(3)])
        #expect(compact.description == "[1, 2, 3]")
    }

    @Test func aCompactListStaysCompactUntilSomethingElseIsAdded() {
        var list = ValueList(integers: [1, 2])
        list.append(.int(3))
        guard case .integers(let integers) = list.storage else { Issue.record("not compact: \(list.storage)"); return }
        #expect(integers == [1, 2, 3])
        list.append(.string("four"))
        #expect(list == [.int(1), .int(2), .int(3), .string("four")])
        list.removeFirst()
        #expect(list.values == [.int(2), .int(3), .string("four")])
    }

    @Test func encodesAndDecodesLikeAnArray() throws {
        let value = Value.array(ValueList(doubles: [0.5, -2]))
        let data = try JSONEncoder().encode(value)
        #expect(String(decoding: data, as: UTF8.self) == "[0.5,-2]")
        #expect(try JSONDecoder().decode(Value.self, from: data) == .array([.double(0.5), .int(-2)]))
    }
}

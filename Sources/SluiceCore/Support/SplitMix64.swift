/// A small, fast, seeded random number generator (SplitMix64), so generated data is the same
/// on every run and machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The state: save it to continue the same sequence later with `init(seed: state)`.
    public var state: UInt64

    /// Starts from `seed`.
    @inlinable public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's finaliser: scrambles `value` so that nearby inputs give unrelated
    /// outputs (a stateless hash of a number, such as an element's index).
    @inlinable public static func mix(_ value: UInt64) -> UInt64 {
        var mixed = value
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

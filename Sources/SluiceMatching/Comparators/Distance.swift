import Foundation

/// Distances between numbers and dates, for comparison levels such as "within 2%" or "within
/// a year".
public enum Distance {
    /// `|a − b|`.
    public static func absolute(_ a: Double, _ b: Double) -> Double { abs(a - b) }

    /// `|a − b|` relative to the larger magnitude, in 0...; 0 when both are 0.
    public static func relative(_ a: Double, _ b: Double) -> Double {
        let scale = max(abs(a), abs(b))
        return scale == 0 ? 0 : abs(a - b) / scale
    }

    /// Whole days between two dates.
    public static func days(_ a: Date, _ b: Date) -> Int {
        Int((abs(a.timeIntervalSince(b)) / 86_400).rounded(.down))
    }
}

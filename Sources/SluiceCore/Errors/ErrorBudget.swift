/// How many bad records a stage may reject (skip or dead-letter) before the run fails: as
/// many records, or a share of the stage's input — BigQuery's `max_bad_records`, Spark's
/// bad-records threshold. Without a budget a stage under `.skip` or `.deadLetter` goes on
/// however much it rejects.
///
/// ```swift
/// Source.csv("orders.csv", as: Order.self).onError(.deadLetter).errorBudget(.records(100))
/// Validate(rules).onError(.deadLetter).errorBudget(.fraction(0.01, after: 1_000))   // at most 1 %
/// ```
public struct ErrorBudget: Sendable, Hashable {
    /// The most records that may be rejected.
    public var maxRejected: Int?
    /// The largest share of the input that may be rejected, from 0 to 1.
    public var maxFraction: Double?
    /// The share is judged once this many records came in (and at the end of input,
    /// whatever the count), so that the first few records do not decide alone.
    public var minimumInput: Int

    /// At most `count` rejected records.
    public static func records(_ count: Int) -> ErrorBudget {
        ErrorBudget(maxRejected: max(0, count), maxFraction: nil, minimumInput: 0)
    }

    /// At most `share` (0.01 for 1 %) of the input rejected, judged from `minimumInput`
    /// records on and at the end of input.
    public static func fraction(_ share: Double, after minimumInput: Int = 100) -> ErrorBudget {
        ErrorBudget(maxRejected: nil, maxFraction: min(1, max(0, share)), minimumInput: max(1, minimumInput))
    }

    /// Why `rejected` of `input` records break the budget, or `nil` when they do not. `final`
    /// when the input has ended.
    public func violation(rejected: Int, input: Int, final: Bool) -> String? {
        if let maxRejected, rejected > maxRejected {
            return "\(rejected) records rejected, more than the error budget of \(maxRejected)"
        }
        if let maxFraction, input > 0, final || input >= minimumInput, Double(rejected) > maxFraction * Double(input) {
            let percent = (Double(rejected) / Double(input) * 1000).rounded() / 10
            return "\(rejected) of \(input) records rejected (\(percent) %), more than the error budget of \(maxFraction * 100) %"
        }
        return nil
    }
}

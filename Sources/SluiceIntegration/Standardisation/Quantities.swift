import Foundation

/// Quantities with units, read from text and converted to one unit per dimension:
/// `"5 kg"`, `"5kg"`, `"5,5 KG"` → 5500 g; `"12 in"` → 0.3048 m.
public enum Quantities {
    /// What a unit measures.
    public enum Dimension: String, Sendable {
        /// Grams.
        case mass
        /// Metres.
        case length
        /// Litres.
        case volume
    }

    /// A number in the dimension's base unit: grams, metres or litres.
    public struct Quantity: Sendable, Equatable {
        /// The value in the base unit.
        public let value: Double
        /// What it measures.
        public let dimension: Dimension
    }

    /// Units by their lowercase symbol or name: dimension and size in the base unit.
    public static let units: [String: (Dimension, Double)] = [
        "mg": (.mass, 0.001), "g": (.mass, 1), "gram": (.mass, 1), "grams": (.mass, 1), "kg": (.mass, 1_000),
        "kilo": (.mass, 1_000), "kilos": (.mass, 1_000), "kilogram": (.mass, 1_000), "kilograms": (.mass, 1_000),
        "t": (.mass, 1_000_000), "tonne": (.mass, 1_000_000), "tonnes": (.mass, 1_000_000),
        "oz": (.mass, 28.349523125), "lb": (.mass, 453.59237), "lbs": (.mass, 453.59237), "pound": (.mass, 453.59237),
        "pounds": (.mass, 453.59237), "st": (.mass, 6_350.29318),
        "mm": (.length, 0.001), "cm": (.length, 0.01), "m": (.length, 1), "metre": (.length, 1), "metres": (.length, 1),
        "meter": (.length, 1), "meters": (.length, 1), "km": (.length, 1_000), "in": (.length, 0.0254), "inch": (.length, 0.0254),
        "inches": (.length, 0.0254), "\"": (.length, 0.0254), "ft": (.length, 0.3048), "foot": (.length, 0.3048),
        "feet": (.length, 0.3048), "'": (.length, 0.3048), "yd": (.length, 0.9144), "mi": (.length, 1_609.344),
        "mile": (.length, 1_609.344), "miles": (.length, 1_609.344),
        "ml": (.volume, 0.001), "cl": (.volume, 0.01), "dl": (.volume, 0.1), "l": (.volume, 1), "litre": (.volume, 1),
        "litres": (.volume, 1), "liter": (.volume, 1), "liters": (.volume, 1), "gal": (.volume, 3.785411784),
        "pt": (.volume, 0.473176473), "fl oz": (.volume, 0.0295735295625),
    ]

    /// Reads `text` as a number and a unit (a decimal comma is accepted); `nil` when either
    /// is missing or the unit is unknown. `"1.5 kg"` → 1500 g; `"3 ft"` → 0.9144 m;
    /// `"12"` (no unit), `"5 parsecs"`, `"kg"` → `nil`.
    public static func read(_ text: String) -> Quantity? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let numberEnd = trimmed.firstIndex { !($0.isNumber || $0 == "." || $0 == "," || $0 == "-" || $0 == "+") } ?? trimmed.endIndex
        let number = trimmed[..<numberEnd].replacingOccurrences(of: ",", with: ".")
        let unit = trimmed[numberEnd...].trimmingCharacters(in: .whitespaces).lowercased()
        guard let value = Double(number), value.isFinite, let (dimension, size) = units[unit] else { return nil }
        return Quantity(value: value * size, dimension: dimension)
    }

    /// `text` converted to `unit` (a key of ``units`` of the same dimension); `nil` when it
    /// cannot be read or measures something else.
    public static func convert(_ text: String, to unit: String) -> Double? {
        guard let quantity = read(text), let (dimension, size) = units[unit.lowercased()], dimension == quantity.dimension else { return nil }
        return quantity.value / size
    }
}

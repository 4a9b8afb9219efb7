/// Duration in the units the tool reports and sleeps in: the one conversion, instead of a hand-written
/// `components.seconds * 1000 + components.attoseconds / …` at each use (one of which dropped whole seconds).
extension Duration {
    /// Whole milliseconds, toward zero.
    public var inMilliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }

    /// Whole microseconds, toward zero.
    public var inMicroseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }

    /// Seconds, fractional.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

import MTUCore
import Testing

/// The one Duration conversion. The UDP pacing sleep once took only the attoseconds of a 1.05 s wait and slept 50 ms.
@Suite("Duration units")
struct DurationUnitsTests {
    @Test(arguments: [
        (Duration.milliseconds(1_050), Int64(1_050), Int64(1_050_000), 1.05),
        (.seconds(3) + .nanoseconds(999_999), 3_000, 3_000_999, 3.000999999),
        (.microseconds(999), 0, 999, 0.000999),
        (.zero, 0, 0, 0),
    ])
    func conversions(duration: Duration, milliseconds: Int64, microseconds: Int64, seconds: Double) {
        #expect(duration.inMilliseconds == milliseconds)
        #expect(duration.inMicroseconds == microseconds)
        #expect(abs(duration.inSeconds - seconds) < 1e-12)
    }
}

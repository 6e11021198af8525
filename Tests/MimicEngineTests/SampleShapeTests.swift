import Testing
import MimicEngine

@Suite struct SampleShapeTests {
    @Test func parsesWhatItPrints() {
        for shape in [SampleShape(channels: 3, height: 32, width: 32), .vector(128)] {
            #expect(SampleShape(parsing: shape.description) == shape)
        }
        #expect(SampleShape(parsing: "28x28") == SampleShape(channels: 1, height: 28, width: 28))
    }

    @Test func rejectsBrokenText() {
        // The last two: shapes whose pixel count overflows Int, as a checkpoint's
        // metadata may claim (found by Fuzz/FuzzSafeTensors).
        for text in ["", "x", "3x", "0x28x28", "-1", "1x2x3x4", "axb",
                     "9999999999x9999999999x9999999999", "4294967296x4294967296"] {
            #expect(SampleShape(parsing: text) == nil, "\(text)")
        }
    }

    @Test func seededStreamsRepeatAndDiffer() {
        var a = SeededRandom(seed: 7, stream: "init")
        var b = SeededRandom(seed: 7, stream: "init")
        var c = SeededRandom(seed: 7, stream: "shuffle")
        let xs = (0..<4).map { _ in a.next() }
        #expect(xs == (0..<4).map { _ in b.next() })
        #expect(xs != (0..<4).map { _ in c.next() })
    }
}

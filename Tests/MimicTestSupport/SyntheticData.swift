import MimicEngine

/// A small, learnable 10-class data set made in memory: each class is a fixed random
/// 1x8x8 pattern, and each sample is its class's pattern plus noise. Small enough that
/// a whole run takes a fraction of a second; shared by every test target.
public enum SyntheticData {
    public static func make(train: Int = 1_000, test: Int = 300, classes: Int = 10, noise: Int = 60, seed: UInt64 = 1) -> DataSet {
        let shape = SampleShape(channels: 1, height: 8, width: 8)
        var random = SeededRandom(seed: seed, stream: "synthetic")
        let patterns = (0..<classes).map { _ in (0..<shape.count).map { _ in Int(random.next() % 256) } }
        func samples(_ count: Int) -> (ImageTable, [UInt8]) {
            var pixels = [UInt8]()
            pixels.reserveCapacity(count * shape.count)
            var labels = [UInt8]()
            for i in 0..<count {
                let label = i % classes
                labels.append(UInt8(label))
                for value in patterns[label] {
                    let jitter = Int(random.next() % UInt64(2 * noise + 1)) - noise
                    pixels.append(UInt8(max(0, min(255, value + jitter))))
                }
            }
            return (ImageTable(shape: shape, pixels: pixels), labels)
        }
        let (trainImages, trainLabels) = samples(train)
        let (testImages, testLabels) = samples(test)
        return try! DataSet(name: "synthetic", classNames: (0..<classes).map { "class \($0)" },
                       train: trainImages, trainLabels: trainLabels, test: testImages, testLabels: testLabels)
    }
}

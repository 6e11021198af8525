/// What a data set is, in a few fields a run folder can keep: a resumed run must learn
/// from the very images and labels its first part learned from, wherever they now lie.
struct DataFingerprint: Codable, Equatable {
    var name: String
    var classes: Int
    var shape: String
    var trainCount: Int
    var testCount: Int
    /// A hash of every pixel and label, training and test, in order.
    var contents: String

    init(_ dataSet: DataSet) {
        name = dataSet.name
        classes = dataSet.classCount
        shape = dataSet.train.shape.description
        trainCount = dataSet.train.count
        testCount = dataSet.test.count
        var hash = ContentHash()
        hash.add(dataSet.train.pixels)
        hash.add(dataSet.trainLabels)
        hash.add(dataSet.test.pixels)
        hash.add(dataSet.testLabels)
        contents = hash.hex
    }

    /// "fashion-mnist (60000 training and 10000 test images of 1x28x28, 10 classes)".
    var summary: String {
        "\(name) (\(trainCount) training and \(testCount) test images of \(shape), \(classes) classes)"
    }
}

/// What a data set is, in a few fields a run folder can keep: a resumed run must learn
/// from the very images and labels its first part learned from, wherever they now lie.
struct DataFingerprint: Codable, Equatable {
    var name: String
    var classes: Int
    var shape: String
    var trainCount: Int
    var testCount: Int
    /// Images without a class; nil when there are none, so a data set without them has
    /// the fingerprint it always had.
    var unlabeledCount: Int?
    /// A hash of every pixel and label, training and test, in order.
    var contents: String

    init(_ dataSet: DataSet) {
        name = dataSet.name
        classes = dataSet.classCount
        shape = dataSet.train.shape.description
        trainCount = dataSet.train.count
        testCount = dataSet.test.count
        unlabeledCount = dataSet.unlabeled?.images.count
        var hash = ContentHash()
        hash.add(dataSet.train.pixels)
        hash.add(dataSet.trainLabels)
        hash.add(dataSet.test.pixels)
        hash.add(dataSet.testLabels)
        if let unlabeled = dataSet.unlabeled { hash.add(unlabeled.images.pixels) }
        contents = hash.hex
    }

    /// Whether `other` is the same data, whatever it is called: a data set's name is its
    /// folder's, and a run folder started when IDX sets were all called "mnist" must
    /// still take up the same images under their folder's name.
    func sameData(as other: DataFingerprint) -> Bool {
        var renamed = other
        renamed.name = name
        return renamed == self
    }

    /// "fashion-mnist (60000 training and 10000 test images of 1x28x28, 10 classes)".
    var summary: String {
        let unlabeled = unlabeledCount.map { ", \($0) without a class" } ?? ""
        return "\(name) (\(trainCount) training and \(testCount) test images\(unlabeled) of \(shape), \(classes) classes)"
    }
}

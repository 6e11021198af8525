import Foundation

/// A data set in one `.npz` file, in the layout Keras's `load_data` gives and users
/// save with `numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)`.
extension DataSet {
    static let npzArrays = ["x_train", "y_train", "x_test", "y_test"]
    /// Images without a class for the students' pool, if the archive has them.
    static let npzUnlabeled = "x_unlabeled"

    /// Images as uint8 (or any integers from 0 to 255, or floats from 0 to 1 or 0 to
    /// 255, rounded to the nearest of the 256 levels mimic keeps); shaped (N, H, W) for
    /// gray, (N, H, W, C) or (N, C, H, W) for channels (whichever side has at most 4,
    /// where the other has more), or (N, D) for flat vectors. Labels are integers,
    /// (N) or (N, 1); the classes are 0 to the largest label, named by number. An array
    /// `x_unlabeled`, shaped as the images, joins the students' pool.
    static func loadNPZ(from path: String) throws -> DataSet {
        let arrays = try NPZReader.arrays(in: path, named: npzArrays + [npzUnlabeled])
        let missing = npzArrays.filter { arrays[$0] == nil }
        guard missing.isEmpty else {
            throw DataError.badArchive(path: path, problem: "lacks the array\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")); "
                + "save it with numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)")
        }
        func source(_ name: String) -> String { "\(name).npy in \(path)" }
        let train = try images(arrays["x_train"]!, source: source("x_train"))
        let test = try images(arrays["x_test"]!, source: source("x_test"))
        guard train.shape == test.shape else {
            throw DataError.shapeMismatch(trainSource: source("x_train"), train: train.shape, testSource: source("x_test"), test: test.shape)
        }
        let trainLabels = try labels(arrays["y_train"]!, count: train.count, source: source("y_train"), images: source("x_train"))
        let testLabels = try labels(arrays["y_test"]!, count: test.count, source: source("y_test"), images: source("x_test"))
        let classes = Int((trainLabels + testLabels).max() ?? 0) + 1
        guard classes >= 2 else {
            throw DataError.badArchive(path: path, problem: "labels every image 0, a single class; a classifier needs at least 2")
        }
        var unlabeled: UnlabeledImages?
        if let array = arrays[npzUnlabeled] {
            let images = try images(array, source: source(npzUnlabeled))
            guard images.shape == train.shape else {
                throw DataError.shapeMismatch(trainSource: source("x_train"), train: train.shape,
                                              testSource: source(npzUnlabeled), test: images.shape)
            }
            unlabeled = UnlabeledImages(images: images, source: source(npzUnlabeled), name: npzUnlabeled)
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try DataSet(name: name, classNames: (0..<classes).map(String.init),
                           train: train, trainLabels: trainLabels, test: test, testLabels: testLabels,
                           unlabeled: unlabeled)
    }

    /// An image array as an `ImageTable`, channels first.
    static func images(_ array: NPYArray, source: String) throws(DataError) -> ImageTable {
        func bad(_ problem: String) -> DataError { .badArray(source: source, problem: problem) }
        let dimensions = array.shape
        guard dimensions.count >= 2 && dimensions.count <= 4, dimensions.allSatisfy({ $0 > 0 }) else {
            throw bad("has shape \(dimensions); images are (N, H, W), (N, H, W, C), (N, C, H, W) or (N, D), each size above 0")
        }
        let shape: SampleShape
        var channelsLast = false
        switch dimensions.count {
        case 2: shape = .vector(dimensions[1])
        case 3: shape = SampleShape(channels: 1, height: dimensions[1], width: dimensions[2])
        default:
            let (first, last) = (dimensions[1], dimensions[3])
            if last <= 4 && first > 4 {
                channelsLast = true
                shape = SampleShape(channels: last, height: dimensions[1], width: dimensions[2])
            } else if first <= 4 && last > 4 {
                shape = SampleShape(channels: first, height: dimensions[2], width: dimensions[3])
            } else {
                throw bad("has shape \(dimensions), which reads as channels first or last alike; save it as (N, C, H, W) with C at most 4 and H, W above 4")
            }
        }
        let pixels = try pixelBytes(array, bad: bad)
        guard channelsLast && shape.channels > 1 else { return ImageTable(shape: shape, pixels: pixels) }
        // (N, H, W, C) to (N, C, H, W).
        let (channels, plane) = (shape.channels, shape.height * shape.width)
        var planar = [UInt8](repeating: 0, count: pixels.count)
        for image in 0..<dimensions[0] {
            let base = image * shape.count
            for position in 0..<plane {
                for channel in 0..<channels {
                    planar[base + channel * plane + position] = pixels[base + position * channels + channel]
                }
            }
        }
        return ImageTable(shape: shape, pixels: planar)
    }

    /// The elements as the bytes mimic keeps, refusing the first that is not a level
    /// from 0 to 255 (or 0 to 1, for floats at most 1).
    static func pixelBytes(_ array: NPYArray, bad: (String) -> DataError) throws(DataError) -> [UInt8] {
        if let bytes = array.bytesIfByteSized { return bytes }
        var scale = 1.0
        if array.kind == .float {
            var largest = 0.0
            for index in 0..<array.count {
                let value = array.value(index)
                guard value.isFinite, value >= 0 else {
                    throw bad("holds \(value) at element \(index); pixels are 0 to 1 or 0 to 255 (undo any normalization before saving)")
                }
                largest = max(largest, value)
            }
            if largest <= 1 { scale = 255 }
        }
        var bytes = [UInt8](repeating: 0, count: array.count)
        for index in 0..<array.count {
            let value = array.value(index) * scale
            guard value >= 0 && value <= 255, array.kind == .float || value == value.rounded() else {
                throw bad("holds \(array.value(index)) at element \(index); " + (array.kind == .float
                    ? "\(array.typeName) pixels must be from 0 to 1 or from 0 to 255"
                    : "\(array.typeName) pixels must be whole numbers from 0 to 255"))
            }
            bytes[index] = UInt8(value.rounded())
        }
        return bytes
    }

    /// Labels, one per image, each a whole number from 0 to 255.
    static func labels(_ array: NPYArray, count: Int, source: String, images: String) throws(DataError) -> [UInt8] {
        guard array.kind != .float, array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
            throw DataError.badArray(source: source, problem: "has shape \(array.shape) of \(array.typeName); labels are whole numbers shaped (N) or (N, 1)")
        }
        guard array.count == count else {
            throw DataError.countMismatch(imageSource: images, imageCount: count, labelSource: source, labelCount: array.count)
        }
        var labels = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            let value = array.value(index)
            guard value >= 0 && value <= 255 else {
                // Printed as a Double: a label past Int's range (2^64 - 1 as uint64) must not trap.
                let shown = value.magnitude < 1e15 ? String(Int(value)) : String(value)
                throw DataError.badArray(source: source, problem: "holds label \(shown) at element \(index); labels are class numbers from 0 to 255")
            }
            labels[index] = UInt8(value)
        }
        return labels
    }
}

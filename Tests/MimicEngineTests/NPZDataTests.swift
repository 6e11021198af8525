import Foundation
import Testing
import ZIPFoundation
@testable import MimicEngine
import MimicTestSupport

/// `.npz` data sets: what numpy writes, every layout and element type a data set comes
/// in, and broken archives and arrays, each refused in one sentence naming the array.
@Suite struct NPZDataTests {
    /// A `.npy` file (format 1.0) with `descr`, `shape` and the element bytes `body`.
    static func npy(_ descr: String, _ shape: [Int], _ body: [UInt8], fortran: Bool = false) -> [UInt8] {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(dimensions), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        return NPYArray.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + body
    }

    /// An `.npz` in `folder` named `name` holding `arrays`, deflated or stored.
    static func npz(_ arrays: [String: [UInt8]], in folder: TemporaryFolder, name: String = "set.npz",
                    compressed: Bool = false) throws -> String {
        let path = folder.file(name)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (key, bytes) in arrays.sorted(by: { $0.key < $1.key }) {
            let data = Data(bytes)
            try archive.addEntry(with: key + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: compressed ? .deflate : .none) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return path
    }

    /// Four 2x3 gray images and their labels, as uint8 arrays.
    static let pixels: [UInt8] = (0..<24).map { UInt8($0 * 10) }
    static func gray(x: [UInt8] = npy("|u1", [4, 2, 3], pixels), y: [UInt8] = npy("|u1", [4], [0, 1, 2, 1])) -> [String: [UInt8]] {
        ["x_train": x, "y_train": y, "x_test": npy("|u1", [2, 2, 3], Array(pixels[0..<12])), "y_test": npy("<i8", [2], int64([1, 0]))]
    }

    static func int64(_ values: [Int64], bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * (bigEndian ? 7 - $0 : $0))) } }
    }

    static func float32(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
    }

    @Test(arguments: [false, true]) func grayImagesAndLabelsReadAsSaved(compressed: Bool) throws {
        let folder = try TemporaryFolder()
        let data = try DataSet.load(from: try Self.npz(Self.gray(), in: folder, name: "shoes.npz", compressed: compressed))
        #expect(data.name == "shoes")
        #expect(data.classNames == ["0", "1", "2"])
        #expect(data.train.shape == SampleShape(channels: 1, height: 2, width: 3))
        #expect(data.train.pixels == Self.pixels)
        #expect(data.trainLabels == [0, 1, 2, 1] && data.testLabels == [1, 0])
    }

    /// Channels last (Keras, TensorFlow) and channels first (PyTorch) give one table.
    @Test func channelsLastIsMadeChannelsFirst() throws {
        let folder = try TemporaryFolder()
        // Two 3x5x6 images, channels first: the value says channel, row and column.
        var first = [UInt8](repeating: 0, count: 2 * 3 * 5 * 6), last = first
        for n in 0..<2 { for c in 0..<3 { for h in 0..<5 { for w in 0..<6 {
            let value = UInt8(n * 100 + c * 30 + h * 6 + w)
            first[((n * 3 + c) * 5 + h) * 6 + w] = value
            last[((n * 5 + h) * 6 + w) * 3 + c] = value
        } } } }
        let labels = Self.npy("|u1", [2], [0, 1])
        let channelsFirst = try DataSet.load(from: Self.npz(["x_train": Self.npy("|u1", [2, 3, 5, 6], first), "y_train": labels,
                                                             "x_test": Self.npy("|u1", [2, 3, 5, 6], first), "y_test": labels],
                                                            in: folder, name: "first.npz"))
        let channelsLast = try DataSet.load(from: Self.npz(["x_train": Self.npy("|u1", [2, 5, 6, 3], last), "y_train": labels,
                                                            "x_test": Self.npy("|u1", [2, 5, 6, 3], last), "y_test": labels],
                                                           in: folder, name: "last.npz"))
        #expect(channelsFirst.train.shape == SampleShape(channels: 3, height: 5, width: 6))
        #expect(channelsLast.train == channelsFirst.train)
        #expect(channelsFirst.train.pixels == first)
    }

    /// Floats from 0 to 1 are scaled to the 256 levels, floats from 0 to 255 kept;
    /// big-endian integers read as their values; flat rows are vectors.
    @Test func floatsBigEndianAndFlatRows() throws {
        let folder = try TemporaryFolder()
        let unit: [Float] = [0, 1, 0.5, 1.0 / 255, 254.0 / 255, 0.25]
        let labels = Self.npy(">i8", [2], Self.int64([3, 0], bigEndian: true))
        let data = try DataSet.load(from: Self.npz(["x_train": Self.npy("<f4", [2, 3], Self.float32(unit)), "y_train": labels,
                                                   "x_test": Self.npy("<f4", [2, 3], Self.float32([0, 255, 128, 3, 2, 1])), "y_test": labels],
                                                  in: folder))
        #expect(data.train.shape == .vector(3))
        #expect(data.train.pixels == [0, 255, 128, 1, 254, 64])
        #expect(data.test.pixels == [0, 255, 128, 3, 2, 1])
        #expect(data.trainLabels == [3, 0] && data.classNames.count == 4)
    }

    /// Flat rows are vectors, which no augmentation can shift or mirror: refused in one
    /// sentence rather than trapping (a shift past the image's width) or blanking them.
    @Test func augmentingVectorsIsRefused() throws {
        let folder = try TemporaryFolder()
        let labels = Self.npy("|u1", [4], [0, 1, 0, 1])
        let x = Self.npy("|u1", [4, 6], Array(0..<24))
        let data = try DataSet.load(from: Self.npz(["x_train": x, "y_train": labels, "x_test": x, "y_test": labels], in: folder))
        var config = quickConfig()
        config.labeledFraction = 0.5
        config.mentor = "fc8"
        config.students = ["fc4"]
        config.augmentation = Augmentation(shift: 2, flip: false)
        #expect(throws: ConfigError(message: "--augment shift2 shifts and mirrors images, but the data set's samples are vectors of 6 values; leave --augment out (or pass --augment none).")) {
            try Experiment(config: config, dataSet: data)
        }
    }

    /// What numpy itself writes (savez_compressed, Keras's shapes and types) is read as numpy reads it.
    @Test(.enabled(if: NumpyReferenceMode.here.runsTests)) func numpysOwnFileReadsAsNumpyReadsIt() throws {
        try NumpyReferenceMode.here.requireNumpy()
        let folder = try TemporaryFolder()
        let path = folder.file("keras.npz")
        _ = try runPython("""
            import sys, numpy as np
            rng = np.random.default_rng(7)
            x = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
            y = rng.integers(0, 10, size=50).astype(np.int64)
            np.savez_compressed(sys.argv[1], x_train=x, y_train=y, x_test=x[:20], y_test=y[:20])
            """, arguments: [path])
        let data = try DataSet.load(from: path)
        let reference = try runPython("""
            import sys, numpy as np
            d = np.load(sys.argv[1])
            sys.stdout.buffer.write(d['x_train'].tobytes() + d['y_train'].astype(np.uint8).tobytes())
            """, arguments: [path])
        #expect(data.train.pixels + data.trainLabels == [UInt8](reference))
        #expect(data.test.count == 20 && data.train.shape == SampleShape(channels: 1, height: 28, width: 28))
    }

    /// Each bad archive or array gets the sentence that names it and says what to do.
    @Test func brokenArchivesAndArraysAreRefusedInOneSentence() throws {
        let folder = try TemporaryFolder()
        func refusal(_ arrays: [String: [UInt8]]) throws -> String {
            let path = try Self.npz(arrays, in: folder, name: "case-\(UUID().uuidString).npz")
            do {
                _ = try DataSet.load(from: path)
                return "loaded"
            } catch {
                return "\(error)".replacingOccurrences(of: path, with: "F")
            }
        }
        var noTest = Self.gray()
        noTest["x_test"] = nil
        noTest["y_test"] = nil
        #expect(try refusal(noTest) == "NumPy data set F lacks the arrays x_test, y_test; save it with numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...).")
        #expect(try refusal(Self.gray(x: Array(Self.npy("|u1", [4, 2, 3], Self.pixels).dropLast(5))))
                == "NumPy array x_train.npy in F is cut short: its shape [4, 2, 3] needs 24 bytes of '|u1' elements, and it has 19.")
        #expect(try refusal(Self.gray(x: Self.npy("|u1", [4, 2, 3], Self.pixels + [1])))
                == "NumPy array x_train.npy in F has 1 bytes after the 24 its shape [4, 2, 3] needs; save it again with numpy.save.")
        #expect(try refusal(Self.gray(x: Self.npy("|u1", [4, 2, 3], Self.pixels, fortran: true)))
                == "NumPy array x_train.npy in F is in Fortran order; save it in C order (numpy.ascontiguousarray(x)).")
        #expect(try refusal(Self.gray(x: Self.npy("|O", [4, 2, 3], Self.pixels)))
                == "NumPy array x_train.npy in F holds elements of type '|O'; save it as uint8 or float32 (x.astype('uint8')).")
        #expect(try refusal(Self.gray(x: Self.npy("<f4", [1, 2, 3], Self.float32([0, 1, -0.5, 1, 1, 1]))))
                .hasPrefix("NumPy array x_train.npy in F holds -0.5 at element 2; pixels are 0 to 1 or 0 to 255"))
        #expect(try refusal(Self.gray(x: Self.npy("<f4", [1, 2, 3], Self.float32([0, 1, .nan, 1, 1, 1]))))
                .hasPrefix("NumPy array x_train.npy in F holds nan at element 2"))
        #expect(try refusal(Self.gray(x: Self.npy("<i8", [1, 2, 3], Self.int64([0, 1, 300, 1, 1, 1]))))
                == "NumPy array x_train.npy in F holds 300.0 at element 2; int64 pixels must be whole numbers from 0 to 255.")
        #expect(try refusal(Self.gray(x: Self.npy("|u1", [4, 3, 2, 3], Self.pixels + Self.pixels + Self.pixels)))
                .hasPrefix("NumPy array x_train.npy in F has shape [4, 3, 2, 3], which reads as channels first or last alike"))
        #expect(try refusal(Self.gray(y: Self.npy("<i8", [4], Self.int64([0, 1, 256, 1]))))
                == "NumPy array y_train.npy in F holds label 256 at element 2; labels are class numbers from 0 to 255.")
        let largest = [UInt8](repeating: 0xFF, count: 8)
        #expect(try refusal(Self.gray(y: Self.npy("<u8", [4], [0, 0, 0, 0, 0, 0, 0, 0] + largest + largest + largest)))
                == "NumPy array y_train.npy in F holds label 1.8446744073709552e+19 at element 1; labels are class numbers from 0 to 255.")
        #expect(try refusal(Self.gray(y: Self.npy("<f4", [4], Self.float32([0, 1, 1, 1]))))
                == "NumPy array y_train.npy in F has shape [4] of float32; labels are whole numbers shaped (N) or (N, 1).")
        #expect(try refusal(Self.gray(y: Self.npy("|u1", [3], [0, 1, 1])))
                == "x_train.npy in F holds 4 images but y_train.npy in F holds 3 labels; they do not belong together, so replace them with a matching pair.")
        #expect(try refusal(Self.gray(x: Array("not an array at all".utf8)))
                == "NumPy array x_train.npy in F is not a NumPy array (it does not start with \\x93NUMPY).")
        #expect(try refusal(Self.gray(x: NPYArray.magic + [1, 0, 8, 0] + Array("{'a': 1}".utf8)))
                == "NumPy array x_train.npy in F has a malformed header (it has a key 'a' besides 'descr', 'fortran_order' and 'shape'); write it again with numpy.save.")
        var oneClass = Self.gray(y: Self.npy("|u1", [4], [0, 0, 0, 0]))
        oneClass["y_test"] = Self.npy("|u1", [2], [0, 0])
        #expect(try refusal(oneClass) == "NumPy data set F labels every image 0, a single class; a classifier needs at least 2.")

        let text = folder.file("text.npz")
        try "x_train,y_train\n".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: DataError.badArchive(path: text, problem: "is not a zip archive, as numpy.savez writes one")) {
            try DataSet.load(from: text)
        }
        #expect(throws: DataError.fileMissing(path: folder.file("absent.npz"))) { try DataSet.load(from: folder.file("absent.npz")) }
        try FileManager.default.createDirectory(atPath: folder.file("folder.npz"), withIntermediateDirectories: true)
        #expect(throws: DataError.notARegularFile(path: folder.file("folder.npz"), kind: "a folder")) {
            try DataSet.load(from: folder.file("folder.npz"))
        }
    }
}

import Foundation

/// Everything that can go wrong between a data folder on disk and a split ready for
/// training. Each case keeps the facts; `description` turns them into the one sentence
/// a person needs (the thing, the problem, the fix).
public enum DataError: ReportableError, Equatable {
    case folderMissing(path: String)
    case notAFolder(path: String)
    /// The folder is there but cannot be looked into: `reason` fits in parentheses;
    /// `permission` when it is the folder's (or a parent's) permissions.
    case folderUnreadable(path: String, reason: String, permission: Bool)
    case noDataFound(folder: String)
    case missingFiles(folder: String, names: [String])
    case cannotOpen(path: String, reason: String)
    /// `kind` says what the path is instead: "a named pipe (FIFO)", "a folder".
    case notARegularFile(path: String, kind: String)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case badMagic(path: String, found: UInt32, expected: UInt32)
    case badImageSize(path: String, rows: Int, columns: Int)
    /// Byte counts are after decompression and include the header.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    case trailingBytes(path: String, expectedBytes: Int, extraBytes: Int)
    case corruptGzip(path: String, zlibMessage: String)
    case countMismatch(imageSource: String, imageCount: Int, labelSource: String, labelCount: Int)
    case shapeMismatch(trainSource: String, train: SampleShape, testSource: String, test: SampleShape)
    case cifarSize(path: String, bytes: Int)
    case labelOutOfRange(source: String, index: Int, label: UInt8, classCount: Int)
    case badClassNames(count: Int)
    case labeledFractionOutOfRange(Double)
    case validationFractionOutOfRange(Double)
    case labeledFractionTooSmall(fraction: Double, className: String, classSize: Int, smallestWorking: Double)
    case validationTooLarge(fraction: Double, className: String, labeledInClass: Int, limit: Double)
    case noUnlabeledExamples(fraction: Double)
    /// A mentor's logits file that cannot serve: `problem` says why and how to fix it.
    case badLogits(path: String, problem: String)
    /// A folder two levels inside a folder of images without a class.
    case folderTooDeepInUnlabeled(path: String, folder: String)
    /// A source of images without a class that holds none.
    case noUnlabeledImages(source: String)
    /// `source` holds no image: of the training set, or of the test set when `test`.
    case noImages(source: String, test: Bool)
    case tooFewClasses(source: String, count: Int)
    /// A `.npz` archive that cannot be used as a data set.
    case badArchive(path: String, problem: String)
    case fileMissing(path: String)
    /// One array of a `.npz` (or a `.npy` file): `source` names it, `problem` says what
    /// is wrong and how to save it right.
    case badArray(source: String, problem: String)

    // Image folders (train/<class>/*, test/<class>/*).
    /// The folder has one of train/ and test/ but not `missing`.
    case imageFolderLacksSplit(folder: String, missing: String)
    /// An entry of train/ or test/ that is not a folder.
    case notAClassFolder(path: String)
    /// A folder inside a class folder: image folders are one level deep.
    case folderInClassFolder(path: String)
    case classFolderEmpty(path: String)
    /// `split` ("train" or "test") has class folder `className`, the other split has not.
    case classFoldersDiffer(folder: String, className: String, onlyIn: String, other: String)
    case classFolderCount(folder: String, count: Int)
    case nameNotUTF8(folder: String)
    case notAnImage(path: String)
    case damagedImage(path: String, format: String, reason: String)
    case unsupportedImage(path: String, format: String, reason: String)
    case imageTooLarge(path: String, format: String, width: Int, height: Int, channels: Int, limit: Int)
    /// `found` differs in size or channels from `expected`, the first image's (`firstPath`).
    case imageShapeDiffers(path: String, found: String, firstPath: String, expected: String)
    /// `count` images of `image` ("28x28 gray") need more bytes than `budget` (`source` bounds it).
    case imagesNeedMoreMemory(folder: String, count: Int, image: String, budget: Int, source: String)

    static let idxLooksFor = "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte "
        + "and t10k-labels-idx1-ubyte (each optionally .gz, or with a dot before idx)"
    static let imageFoldersLookFor = "the image folders train/<class>/ and test/<class>/ (PNG or JPEG files)"
    static let cifarLooksFor = "data_batch_1.bin to data_batch_5.bin and test_batch.bin "
        + "(in the folder or in cifar-10-batches-bin/)"

    public var description: String {
        switch self {
        case .folderMissing(let path):
            return "Data folder \(path) does not exist; install Debian's dataset-fashion-mnist package, "
                + "which provides the default folder \(DataSet.defaultDirectory), or name another folder with --data DIR."
        case .notAFolder(let path):
            return "Data folder \(path) is a file, not a folder; pass --data with the folder that holds the data set's files."
        case .folderUnreadable(let path, let reason, let permission):
            return "Data folder \(path) cannot be read (\(reason)); "
                + (permission ? "ask for read and search permission on it (chmod u+rx) or name another folder with --data DIR."
                    : "name the data set's folder itself with --data DIR.")
        case .noDataFound(let folder):
            return "Data folder \(folder) holds neither the IDX files \(Self.idxLooksFor) "
                + "nor the CIFAR-10 batches \(Self.cifarLooksFor) nor \(Self.imageFoldersLookFor); "
                + "put one of these sets there or name another folder with --data DIR."
        case .missingFiles(let folder, let names):
            return "Data folder \(folder) lacks \(names.joined(separator: ", ")); "
                + "copy the missing file\(names.count == 1 ? "" : "s") from the same data set into it."
        case .cannotOpen(let path, let reason):
            return "File \(path) cannot be opened (\(reason)); check that it exists and that you may read it."
        case .notARegularFile(let path, let kind):
            return "File \(path) is \(kind), not a regular file, and mimic reads data only from files; put the data set's file itself there."
        case .cannotRead(let path, let reason):
            return "File \(path) cannot be read (\(reason)); check the disk and copy the file again."
        case .cannotWrite(let path, let reason):
            return "File \(path) cannot be written (\(reason)); choose a folder you may write to."
        case .badMagic(let path, let found, let expected):
            return "IDX file \(path) starts with magic number \(hex(found)) instead of \(hex(expected)) "
                + "(\(expected == IDXReader.labelMagic ? "labels" : "images")); it is not that kind of IDX file, "
                + "so replace it with an unmodified copy of the data set."
        case .badImageSize(let path, let rows, let columns):
            let problem = rows > 0 && columns > 0 ? "more than memory can hold" : "which hold no pixel"
            return "IDX file \(path) declares images of \(rows)x\(columns) pixels, \(problem); "
                + "the header is damaged, so replace the file with an unmodified copy."
        case .truncated(let path, let expected, let actual):
            return "File \(path) holds \(actual) bytes (after decompression) but its header promises \(expected); "
                + "it is truncated, so download or copy it again."
        case .trailingBytes(let path, let expected, let extra):
            return "IDX file \(path) has \(extra) bytes beyond the \(expected) its header promises; "
                + "it is not a clean IDX file, so replace it with an unmodified copy."
        case .corruptGzip(let path, let message):
            return "File \(path) is a damaged gzip stream (zlib: \(message)); download or copy it again."
        case .countMismatch(let imageSource, let imageCount, let labelSource, let labelCount):
            return "\(imageSource) holds \(imageCount) images but \(labelSource) holds \(labelCount) labels; "
                + "they do not belong together, so replace them with a matching pair."
        case .shapeMismatch(let trainSource, let train, let testSource, let test):
            return "\(trainSource) holds \(train) images but \(testSource) holds \(test) images; "
                + "they come from different data sets, so use files from one data set."
        case .cifarSize(let path, let bytes):
            return "CIFAR-10 file \(path) is \(bytes) bytes, not a multiple of the 3073-byte record "
                + "(1 label byte and 3072 pixel bytes); it is truncated or not a CIFAR-10 binary batch, so download it again."
        case .labelOutOfRange(let source, let index, let label, let classCount):
            return "\(source) gives example \(index) the label \(label), but the data set has only \(classCount) classes "
                + "(0 to \(classCount - 1)); the labels are damaged or from another data set, so replace them."
        case .badClassNames(let count):
            return "A data set needs between 2 and 256 class names but was given \(count); "
                + "pass one name per class."
        case .labeledFractionOutOfRange(let fraction):
            return "Labeled fraction \(decimalText(fraction)) is outside (0, 1]; use a value such as --labeled 0.01 (1 only with images without a class for the students)."
        case .validationFractionOutOfRange(let fraction):
            return "Validation fraction \(decimalText(fraction)) is outside [0, 1); use a value in that range, such as --validation 0.1."
        case .labeledFractionTooSmall(let fraction, let className, let classSize, let smallest):
            return "Labeled fraction \(decimalText(fraction)) leaves class '\(className)' (\(classSize) training examples) "
                + "without a labeled example; use --labeled \(decimalText(smallest)) or more."
        case .validationTooLarge(let fraction, let className, let labeledInClass, let limit):
            return "Validation fraction \(decimalText(fraction)) leaves class '\(className)' (\(labeledInClass) labeled "
                + "example\(labeledInClass == 1 ? "" : "s")) without a labeled training example; "
                + "use --validation below \(decimalText(limit)) or a larger --labeled."
        case .noUnlabeledExamples(let fraction):
            return "Labeled fraction \(decimalText(fraction)) leaves no unlabeled training example for the students; "
                + "use a smaller --labeled, or give them images without a class with --unlabeled DIR."
        case .badLogits(let path, let problem):
            return "Mentor logits file \(path) \(problem)."
        case .folderTooDeepInUnlabeled(let path, let folder):
            return "Folder \(path) is two levels inside the unlabeled folder \(folder), but mimic reads images only in it and in its folders one level down; move its images up a level or move it out."
        case .noUnlabeledImages(let source):
            return "\(source.prefix(1).uppercased() + source.dropFirst()) holds no image without a class; put images in it, or leave it out."
        case .noImages(let source, let test):
            return test
                ? "\(source) holds no test image, so no model's accuracy or loss could be measured; replace it with the data set's file of test images."
                : "\(source) holds no training image, so no model could learn; replace it with the data set's file of training images."
        case .tooFewClasses(let source, let count):
            return "\(source) names only \(count) class, but a classifier needs at least 2; list the name of every class of the data set, one per line."
        case .fileMissing(let path):
            return "Data file \(path) does not exist; name an existing .npz file or a data folder with --data."
        case .badArchive(let path, let problem):
            return "NumPy data set \(path) \(problem)."
        case .badArray(let source, let problem):
            return "NumPy array \(source) \(problem)."
        case .imageFolderLacksSplit(let folder, let missing):
            let present = missing == "test" ? "train" : "test"
            return "Image folder \(folder) has \(present)/ but no \(missing)/; put the \(missing == "test" ? "test" : "training") images "
                + "in \(missing)/<class>/ beside \(present)/, one folder per class with the same names."
        case .notAClassFolder(let path):
            return "\(path) is a file, but train/ and test/ hold only class folders; move it out "
                + "(names starting with a dot are skipped)."
        case .folderInClassFolder(let path):
            return "Class folder entry \(path) is a folder, but a class folder holds only image files; "
                + "move its images up into the class folder or move it out."
        case .classFolderEmpty(let path):
            return "Class folder \(path) holds no image; put the class's PNG or JPEG files in it or remove it from both train/ and test/."
        case .classFoldersDiffer(let folder, let className, let onlyIn, let other):
            return "Image folder \(folder) has class '\(className)' in \(onlyIn)/ but not in \(other)/; "
                + "train/ and test/ need the same class folders, so add \(other)/\(className)/ or remove \(onlyIn)/\(className)/."
        case .classFolderCount(let folder, let count):
            return count < 2
                ? "\(folder) holds \(count) class folder\(count == 1 ? "" : "s"), but a classifier needs at least 2; "
                    + "put each class's images in a folder of its own there."
                : "\(folder) holds \(count) class folders, but mimic handles at most 256 classes; merge classes or use fewer."
        case .nameNotUTF8(let folder):
            return "Folder \(folder) holds a name that is not UTF-8 text; rename it (class and file names are read as UTF-8)."
        case .notAnImage(let path):
            return "File \(path) is neither a PNG nor a JPEG image, and class folders hold only images; "
                + "remove it or move it out (names starting with a dot are skipped)."
        case .damagedImage(let path, let format, let reason):
            return "\(format) file \(path) is damaged (\(format == "PNG" ? "libpng" : "libjpeg"): \(reason)); "
                + "replace it with a good copy or remove it."
        case .unsupportedImage(let path, let format, let reason):
            return "\(format) file \(path) uses \(reason), which mimic does not read; convert it to RGB or grayscale."
        case .imageTooLarge(let path, let format, let width, let height, let channels, let limit):
            return "\(format) file \(path) declares \(width)x\(height) pixels of \(channels) channel\(channels == 1 ? "" : "s"), "
                + "more than the \(limit) values a sample may hold; shrink the images, or replace the file if its header is damaged."
        case .imageShapeDiffers(let path, let found, let firstPath, let expected):
            return "Image \(path) is \(found) but \(firstPath), the first image, is \(expected); "
                + "every image of a data set needs one size and one channel count, so resize or convert the odd ones."
        case .imagesNeedMoreMemory(let folder, let count, let image, let budget, let source):
            return "Image folder \(folder) holds \(count) images of \(image), more than the "
                + "\(TrainingMemory.format(budget)) \(source) leaves; use fewer or smaller images."
        }
    }
}

extension DataError {
    /// Why the file at `path` could not be read, from what opening it found: not there,
    /// not a regular file, or refused for another reason.
    init(reading path: String, _ failure: FileBytes.Failure) {
        if failure.missing {
            self = .fileMissing(path: path)
        } else if let kind = failure.notARegularFile {
            self = .notARegularFile(path: path, kind: kind)
        } else {
            self = .cannotOpen(path: path, reason: failure.words)
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// "0.00009" rather than "9e-05": a person copies this number into a flag.
private func decimalText(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    var text = String(format: "%.10f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

import Foundation

/// Finding and reading a data set in a folder: the IDX files of MNIST or Fashion-MNIST,
/// CIFAR-10's binary batches, or image folders (train/<class>/*, test/<class>/*); or
/// in a NumPy `.npz` file (`DataSet+NPZ.swift`).
extension DataSet {
    /// Where Debian's `dataset-fashion-mnist` package puts Fashion-MNIST.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    public static let mnistClassNames = (0...9).map { String($0) }
    /// Used when a CIFAR-10 folder has no `batches.meta.txt`.
    public static let cifar10ClassNames = [
        "airplane", "automobile", "bird", "cat", "deer",
        "dog", "frog", "horse", "ship", "truck",
    ]

    /// Whether `path` names a NumPy data set, by its suffix, rather than a folder.
    static func isNPZ(_ path: String) -> Bool { path.lowercased().hasSuffix(".npz") }

    /// Refuses a data source that cannot be read, before anything else is done: a
    /// `.npz` file that is not there or cannot be opened, or a folder (`checkFolder`).
    public static func checkSource(_ path: String) throws(DataError) {
        guard isNPZ(path) else { return try checkFolder(path) }
        do {
            close(try FileBytes.openRegularFile(path))
        } catch {
            throw DataError(reading: path, error)
        }
    }

    /// Refuses a data folder that is not there, not a folder, or cannot be looked into,
    /// each for its own cause; the check `load` starts with, for callers that read later.
    public static func checkFolder(_ directory: String) throws(DataError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder) else {
            // A loop of links, or a folder on the way that may not be searched, is not a missing folder.
            if let failure = FileBytes.problemReaching(directory), !failure.missing {
                throw DataError.folderUnreadable(path: directory, reason: failure.words, permission: failure.isPermission)
            }
            throw DataError.folderMissing(path: directory)
        }
        guard isFolder.boolValue else { throw DataError.notAFolder(path: directory) }
        // A folder that may not be searched hides every file in it: without this, it
        // "holds neither the IDX files nor the CIFAR-10 batches".
        if let failure = FileBytes.problemReaching((directory as NSString).appendingPathComponent(".")) {
            throw DataError.folderUnreadable(path: directory, reason: failure.words, permission: failure.isPermission)
        }
    }

    /// The data set `config` names: its `--data`, with the images of its `--unlabeled`
    /// folder, if it has one, added to the pool.
    public static func load(for config: ExperimentConfig, imageCache: ImageFolderCache = .standard()) throws -> DataSet {
        try load(from: config.dataDirectory, unlabeled: config.unlabeledDirectory, imageCache: imageCache)
    }

    /// The data set in `directory` with the images without a class in `unlabeledFolder`.
    public static func load(from directory: String, unlabeled unlabeledFolder: String?,
                            imageCache: ImageFolderCache = .standard()) throws -> DataSet {
        if let unlabeledFolder { try checkFolder(unlabeledFolder) }
        let dataSet = try load(from: directory, imageCache: imageCache)
        guard let unlabeledFolder else { return dataSet }
        return try dataSet.adding(unlabeled: ImageFolderReader.readUnlabeled(from: unlabeledFolder, cache: imageCache))
    }

    /// Reads the data set in `directory`, IDX first, then CIFAR-10, then image folders,
    /// which are kept decoded in `imageCache` for the next run; or, for a path ending in
    /// `.npz`, the NumPy arrays in that file.
    public static func load(from directory: String, imageCache: ImageFolderCache = .standard()) throws -> DataSet {
        try checkSource(directory)
        if isNPZ(directory) { return try loadNPZ(from: directory) }
        if let dataSet = try loadIDX(from: directory) { return dataSet }
        if let dataSet = try loadCIFAR(from: directory) { return dataSet }
        if ImageFolderListing.isImageFolder(directory) {
            return try ImageFolderReader.read(from: directory, cache: imageCache)
        }
        throw DataError.noDataFound(folder: directory)
    }

    /// Whether `load` reads `directory` as an image folder: it has train/ or test/, and
    /// neither the IDX files nor CIFAR-10's batches, which come first.
    static func readsAsImageFolder(_ directory: String) -> Bool {
        guard !isNPZ(directory), ImageFolderListing.isImageFolder(directory) else { return false }
        if idxFiles.contains(where: { idxPath($0, in: directory) != nil }) { return false }
        let cifarFolders = [directory, (directory as NSString).appendingPathComponent(CIFARReader.subfolder)]
        let cifarNames = CIFARReader.trainingFiles + [CIFARReader.testFile]
        return !cifarFolders.contains { folder in
            cifarNames.contains { isPresent((folder as NSString).appendingPathComponent($0)) }
        }
    }

    /// The IDX roles under their canonical names; `idxPath` also finds the `.gz` and
    /// dotted (`train-images.idx3-ubyte`) spellings that mirrors use.
    static let idxFiles = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    private static func idxPath(_ canonical: String, in directory: String) -> String? {
        let dotted = canonical.replacingOccurrences(of: "-idx", with: ".idx")
        let candidates = [canonical, canonical + ".gz", dotted, dotted + ".gz"]
        return candidates.map { (directory as NSString).appendingPathComponent($0) }.first(where: isPresent)
    }

    /// Whether the folder has an entry named so, followed or not: a link that loops or
    /// leads nowhere is there, and opening it says what is wrong, rather than it being
    /// called missing.
    static func isPresent(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// nil when the folder holds none of the four files, so CIFAR-10 gets its turn.
    private static func loadIDX(from directory: String) throws -> DataSet? {
        let paths = idxFiles.map { idxPath($0, in: directory) }
        if paths.allSatisfy({ $0 == nil }) { return nil }
        let missing = zip(idxFiles, paths).filter { $0.1 == nil }.map { $0.0 + "[.gz]" }
        guard missing.isEmpty else { throw DataError.missingFiles(folder: directory, names: missing) }
        let found = paths.map { $0! }

        let folderName = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        let isFashion = folderName.lowercased().contains("fashion")
        let classNames = isFashion ? fashionMNISTClassNames : mnistClassNames

        let train = try IDXReader.readImages(from: found[0])
        let trainLabels = try IDXReader.readLabels(from: found[1])
        try checkPair(train, found[0], trainLabels, found[1], classCount: classNames.count)
        guard train.count > 0 else { throw DataError.noImages(source: "IDX file \(found[0])", test: false) }
        let test = try IDXReader.readImages(from: found[2])
        let testLabels = try IDXReader.readLabels(from: found[3])
        try checkPair(test, found[2], testLabels, found[3], classCount: classNames.count)
        guard test.count > 0 else { throw DataError.noImages(source: "IDX file \(found[2])", test: true) }
        guard train.shape == test.shape else {
            throw DataError.shapeMismatch(trainSource: "IDX file \(found[0])", train: train.shape,
                                          testSource: "IDX file \(found[2])", test: test.shape)
        }
        // Named after its folder, as every other kind is: Debian's is "fashion-mnist".
        return try DataSet(name: folderName, classNames: classNames,
                           train: train, trainLabels: trainLabels, test: test, testLabels: testLabels)
    }

    /// The checks `init` makes too, made here first so the error names the file.
    private static func checkPair(_ images: ImageTable, _ imagePath: String,
                                  _ labels: [UInt8], _ labelPath: String, classCount: Int) throws {
        guard images.count == labels.count else {
            throw DataError.countMismatch(imageSource: "IDX file \(imagePath)", imageCount: images.count,
                                          labelSource: "IDX file \(labelPath)", labelCount: labels.count)
        }
        try checkLabels(labels, classCount: classCount, source: "Label file \(labelPath)")
    }

    /// nil when neither the folder nor its `cifar-10-batches-bin` holds a batch.
    private static func loadCIFAR(from directory: String) throws -> DataSet? {
        let folders = [directory, (directory as NSString).appendingPathComponent(CIFARReader.subfolder)]
        let allNames = CIFARReader.trainingFiles + [CIFARReader.testFile]
        guard let folder = folders.first(where: { folder in
            allNames.contains { isPresent((folder as NSString).appendingPathComponent($0)) }
        }) else { return nil }
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

        let trainingPaths = CIFARReader.trainingFiles.map(path).filter(isPresent)
        guard !trainingPaths.isEmpty else {
            throw DataError.missingFiles(folder: folder, names: ["data_batch_1.bin (or any of data_batch_1.bin to data_batch_5.bin)"])
        }
        let testPath = path(CIFARReader.testFile)
        guard isPresent(testPath) else {
            throw DataError.missingFiles(folder: folder, names: [CIFARReader.testFile])
        }
        let metaPath = path(CIFARReader.metaFile)
        var classNames = cifar10ClassNames
        if isPresent(metaPath) {
            let named = try CIFARReader.readClassNames(from: metaPath)
            guard named.count != 1 else {
                throw DataError.tooFewClasses(source: "CIFAR-10 class list \(metaPath)", count: 1)
            }
            if !named.isEmpty { classNames = Array(named.prefix(256)) }
        }
        let train = try CIFARReader.read(files: trainingPaths, classCount: classNames.count)
        guard train.images.count > 0 else {
            let source = trainingPaths.count == 1 ? "CIFAR-10 file \(trainingPaths[0])"
                : "Each of the CIFAR-10 files \(trainingPaths.joined(separator: ", "))"
            throw DataError.noImages(source: source, test: false)
        }
        let test = try CIFARReader.read(files: [testPath], classCount: classNames.count)
        guard test.images.count > 0 else { throw DataError.noImages(source: "CIFAR-10 file \(testPath)", test: true) }
        return try DataSet(name: "cifar-10", classNames: classNames,
                           train: train.images, trainLabels: train.labels,
                           test: test.images, testLabels: test.labels)
    }
}

/// Data sets loaded once for the several configurations of a sweep: trainings that
/// name the same folders (the data and the unlabeled images) share one in memory.
public struct LoadedDataSets {
    private struct Folders: Hashable {
        let data: String
        let unlabeled: String?
    }

    private var loaded: [Folders: DataSet] = [:]

    public init() {}

    /// The data set `config` names, loaded on its first call.
    public mutating func dataSet(for config: ExperimentConfig) throws -> DataSet {
        let folders = Folders(data: config.dataDirectory, unlabeled: config.unlabeledDirectory)
        if let dataSet = loaded[folders] { return dataSet }
        let dataSet = try DataSet.load(for: config)
        loaded[folders] = dataSet
        return dataSet
    }
}

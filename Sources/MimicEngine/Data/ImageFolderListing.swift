#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of an image folder in torchvision's ImageFolder order: classes are the
/// sorted names of the folders in train/ (and test/), files are sorted within a class,
/// and a sample's label is its class's place in that order. Names sort by their UTF-8
/// bytes, as Python's `sorted()` does for str (code point order).
///
/// Unlike torchvision, a class folder is read one level deep (a folder inside it is
/// refused, so a link that loops back can never be followed round), and a file that is
/// not a PNG or a JPEG is refused rather than skipped; names starting with a dot
/// (.DS_Store, ._*, editors' files) are skipped.
///
/// Images without a class are in `unlabeled/` beside train/, or in a folder of their
/// own (`unlabeledFiles(in:)`): its files, and the files of its folders one level
/// down (a torchvision ImageFolder of one dummy class reads too), in the same order.
struct ImageFolderListing: Equatable {
    struct File: Equatable {
        /// "train/<class>/<file>", relative to the data folder.
        var name: String
        var path: String
        var label: UInt8
        var size: Int
        /// Seconds and nanoseconds since the epoch; with the size, tells a changed file.
        var modified: Int64
        var modifiedNanoseconds: Int64
    }

    var classNames: [String]
    var train: [File]
    var test: [File]
    /// The files of `unlabeled/`, if the folder has one; their label is 0 and unused.
    var unlabeled: [File] = []

    static let splits = ["train", "test"]
    static let unlabeledFolder = "unlabeled"

    /// Whether `directory` looks like an image folder: it has train/ or test/.
    static func isImageFolder(_ directory: String) -> Bool {
        splits.contains { DataSet.isPresent(directory + "/" + $0) }
    }

    static func list(_ directory: String) throws(DataError) -> ImageFolderListing {
        for split in splits where !DataSet.isPresent(directory + "/" + split) {
            throw .imageFolderLacksSplit(folder: directory, missing: split)
        }
        let trainFolder = directory + "/train"
        let testFolder = directory + "/test"
        let trainClasses = try classFolders(in: trainFolder)
        let testClasses = try classFolders(in: testFolder)
        if let only = trainClasses.first(where: { !testClasses.contains($0) }) {
            throw .classFoldersDiffer(folder: directory, className: only, onlyIn: "train", other: "test")
        }
        if let only = testClasses.first(where: { !trainClasses.contains($0) }) {
            throw .classFoldersDiffer(folder: directory, className: only, onlyIn: "test", other: "train")
        }
        guard (2...256).contains(trainClasses.count) else {
            throw .classFolderCount(folder: trainFolder, count: trainClasses.count)
        }
        var listing = ImageFolderListing(classNames: trainClasses, train: [], test: [])
        for (label, className) in trainClasses.enumerated() {
            listing.train += try files(in: "train", className, label: label, of: directory)
        }
        for (label, className) in trainClasses.enumerated() {
            listing.test += try files(in: "test", className, label: label, of: directory)
        }
        if DataSet.isPresent(directory + "/" + unlabeledFolder) {
            listing.unlabeled = try unlabeledFiles(in: directory + "/" + unlabeledFolder, namedFrom: directory)
        }
        return listing
    }

    /// The images without a class in `folder` and its folders one level down, named
    /// from `base` ("unlabeled/<file>" beside train/, "<file>" for a folder of its own).
    static func unlabeledFiles(in folder: String, namedFrom base: String) throws(DataError) -> [File] {
        let prefix = folder == base ? "" : String(folder.dropFirst(base.count + 1)) + "/"
        var files: [File] = []
        for name in try visibleNames(in: folder) {
            let path = folder + "/" + name
            let entry = try status(of: path, folder: false)
            guard entry.st_mode & S_IFMT == S_IFDIR else {
                files.append(try file(path, named: prefix + name, label: 0, entry))
                continue
            }
            for inner in try visibleNames(in: path) {
                let innerPath = path + "/" + inner
                let innerStatus = try status(of: innerPath, folder: false)
                if innerStatus.st_mode & S_IFMT == S_IFDIR { throw .folderTooDeepInUnlabeled(path: innerPath, folder: folder) }
                files.append(try file(innerPath, named: prefix + name + "/" + inner, label: 0, innerStatus))
            }
        }
        guard !files.isEmpty else { throw .noUnlabeledImages(source: "folder \(folder)") }
        return files
    }

    /// The class folders of a split, sorted; anything else in it but hidden names is refused.
    private static func classFolders(in folder: String) throws(DataError) -> [String] {
        var classes: [String] = []
        for name in try visibleNames(in: folder) {
            let path = folder + "/" + name
            let status = try status(of: path, folder: true)
            guard status.st_mode & S_IFMT == S_IFDIR else { throw .notAClassFolder(path: path) }
            classes.append(name)
        }
        return classes
    }

    private static func files(in split: String, _ className: String, label: Int,
                              of directory: String) throws(DataError) -> [File] {
        let folder = directory + "/" + split + "/" + className
        var files: [File] = []
        for name in try visibleNames(in: folder) {
            let path = folder + "/" + name
            let status = try status(of: path, folder: false)
            if status.st_mode & S_IFMT == S_IFDIR { throw .folderInClassFolder(path: path) }
            files.append(try file(path, named: split + "/" + className + "/" + name, label: label, status))
        }
        guard !files.isEmpty else { throw .classFolderEmpty(path: folder) }
        return files
    }

    /// The entry at `path` as a file of the listing; anything but a regular file is refused.
    private static func file(_ path: String, named name: String, label: Int, _ status: stat) throws(DataError) -> File {
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG else {
            if kind == S_IFDIR { throw .folderInClassFolder(path: path) }
            throw .notARegularFile(path: path, kind: kindName(kind))
        }
        return File(name: name, path: path, label: UInt8(label),
                    size: Int(status.st_size), modified: Int64(modificationTime(status).tv_sec),
                    modifiedNanoseconds: Int64(modificationTime(status).tv_nsec))
    }

    /// The names in `folder` that do not start with a dot, sorted by their bytes.
    private static func visibleNames(in folder: String) throws(DataError) -> [String] {
        guard let stream = opendir(folder) else {
            let failure = FileBytes.Failure.fromErrno()
            if failure.code == ENOTDIR { throw .notAFolder(path: folder) }
            throw .folderUnreadable(path: folder, reason: failure.words, permission: failure.isPermission)
        }
        defer { closedir(stream) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 {
                    let failure = FileBytes.Failure.fromErrno()
                    throw .folderUnreadable(path: folder, reason: failure.words, permission: failure.isPermission)
                }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name.first == UInt8(ascii: ".") { continue }
            names.append(name)
        }
        var sorted: [String] = []
        for bytes in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let name = String(validating: bytes, as: UTF8.self) else { throw .nameNotUTF8(folder: folder) }
            sorted.append(name)
        }
        return sorted
    }

    /// `stat`, following links; a loop of links or a dangling one is named for what it is.
    private static func status(of path: String, folder: Bool) throws(DataError) -> stat {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let failure = FileBytes.Failure.fromErrno()
            if folder { throw .folderUnreadable(path: path, reason: failure.words, permission: failure.isPermission) }
            throw .cannotOpen(path: path, reason: failure.words)
        }
        return status
    }

    private static func modificationTime(_ status: stat) -> timespec {
        #if canImport(Darwin)
        status.st_mtimespec
        #else
        status.st_mtim
        #endif
    }

    private static func kindName(_ kind: mode_t) -> String {
        switch kind {
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a file"
        }
    }
}

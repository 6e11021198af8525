import Foundation
import MimicEngine
import MimicTestSupport
import Testing
@testable import MimicStore

/// A run folder is held by one process at a time: a second hold is refused in a
/// sentence, a released folder can be held again, and the lock is what tells a
/// live trainer from a dead one.
@Suite struct HeldRunFolderTests {
    @Test func aFolderIsHeldByOneAtATime() throws {
        let root = try TemporaryFolder()
        let path = root.file("run")
        let held = try HeldRunFolder.create(at: path)
        #expect(HeldRunFolder.isLocked(path: path) == true)
        #expect(held.files.holdsRun == false)
        #expect(throws: ConfigError(message: "Run folder \(path) is in use by another mimic process; wait for it to end, or stop it first.")) {
            try HeldRunFolder.create(at: path)
        }
        held.release()
        #expect(HeldRunFolder.isLocked(path: path) == false)
        let again = try HeldRunFolder.create(at: path)
        #expect(HeldRunFolder.isLocked(path: path) == true)
        withExtendedLifetime(again) {}
    }

    @Test func aHandedDownLockIsAdoptedOnlyForItsOwnFolder() throws {
        let root = try TemporaryFolder()
        let held = try HeldRunFolder.create(at: root.file("one"))
        let other = try HeldRunFolder.create(at: root.file("two"))
        try held.handingDownLock { descriptor in
            #expect(throws: ConfigError.self) { try HeldRunFolder.adopt(at: root.file("two"), lockDescriptor: descriptor) }
        }
        withExtendedLifetime(other) {}
    }
}

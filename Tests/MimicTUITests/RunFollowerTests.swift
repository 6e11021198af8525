import Foundation
import MimicEngine
import MimicStore
import Testing
@testable import MimicTUI

/// A run followed from the store reads on screen as it did live.
@Suite struct RunFollowerTests {
    final class Folder {
        let path = NSTemporaryDirectory() + "mimic-follower-\(UUID().uuidString)"
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The dashboard's state after `inputs`, in watch mode on run `id`.
    static func watched(_ id: Int64, _ inputs: [DashboardInput]) -> DashboardState {
        var state = DashboardState(config: RecordedRun.config, width: 120, height: 40)
        _ = DashboardReducer.reduce(&state, .startedWatching(WatchedRun(id: id, status: .running), config: RecordedRun.config,
                                                             startedAt: 0))
        for input in inputs { _ = DashboardReducer.reduce(&state, input) }
        return state
    }

    static func live(_ events: [TrainingEvent]) -> DashboardState {
        var state = DashboardState(config: RecordedRun.config, width: 120, height: 40)
        state.run = RunState(config: RecordedRun.config, startedAt: 0)
        for event in events { _ = DashboardReducer.reduce(&state, .engine(event)) }
        return state
    }

    /// What a person compares: the table's cells and every curve point.
    static func shown(_ state: DashboardState) -> [String] {
        let rows = state.comparisonRows.map { ComparisonPane.cells($0, glyphs: .unicode).joined(separator: "|") }
        let curves = (state.run?.curves ?? []).map { curves in
            "\(curves.id) train \(curves.train.map { "\($0.epoch),\($0.seconds),\($0.loss),\($0.accuracy)" }) "
                + "test \(curves.test.map { "\($0.epoch),\($0.loss),\($0.accuracy)" })"
        }
        return rows + curves
    }

    @Test func followingARunAsItIsRecordedShowsWhatTheLiveRunShowed() throws {
        let folder = Folder()
        let store = try RunStore(path: folder.path + "/runs.sqlite")
        let record = try store.createRun(config: RecordedRun.config, programVersion: "test")
        let recorder = RunRecorder(store: store, runID: record.id, flushInterval: .zero)
        let follower = RunFollower(store: store, runID: record.id)
        var inputs: [DashboardInput] = []
        // Read between every few events, as a watcher polling a training process would.
        for (n, event) in RecordedRun.events.enumerated() {
            recorder.record(event)
            if n % 7 == 0 { inputs += try follower.poll() }
            if case .progress(let point) = event, point.isEpochEnd, point.epoch == 1, point.model.role == .mentor {
                recorder.record(.paused)
                inputs += try follower.poll()
                #expect(Self.watched(record.id, inputs).run?.status == .paused, "a recorded pause shows")
                recorder.record(.resumed)
            }
        }
        inputs += try follower.poll()
        #expect(try follower.poll().isEmpty, "nothing new, nothing sent")

        let watched = Self.watched(record.id, inputs)
        let live = Self.live(RecordedRun.events)
        #expect(Self.shown(watched) == Self.shown(live))
        #expect(watched.run?.status == .finished && watched.watchedRun?.status == .done)
        #expect(watched.run?.phase == .done)
        #expect(watched.run?.plan?.inputShape == RecordedRun.dataSet.train.shape)

        // A past run read whole for the overlay reads the same.
        let replayed = try RunFollower.replay(record.id, from: store)
        var overlaid = Self.live([])
        overlaid.overlays = [RunOverlay(id: record.id, run: replayed)]
        #expect(overlaid.comparisonRows.map(\.label) == ["#1 mentor", "#1 student 1", "#1 student 2"])
        #expect(overlaid.comparisonRows.map(\.accuracy) == live.comparisonRows.map(\.accuracy))
    }

    @Test func aRunWhoseProcessDiedEndsAsInterrupted() throws {
        let folder = Folder()
        let store = try RunStore(path: folder.path + "/runs.sqlite")
        let record = try store.createRun(config: RecordedRun.config, programVersion: "test")
        let recorder = RunRecorder(store: store, runID: record.id, flushInterval: .zero)
        for event in RecordedRun.events.prefix(12) { recorder.record(event) }
        let follower = RunFollower(store: store, runID: record.id)
        var inputs = try follower.poll()
        try store.endRun(record.id, status: .interrupted, message: "its process ended")
        inputs += try follower.poll()
        let state = Self.watched(record.id, inputs)
        #expect(state.watchedRun?.status == .interrupted && state.run?.status == .finished)
        #expect(state.comparisonRows.first?.accuracy != nil, "what was recorded stays on screen")
    }
}

import Foundation
import MimicEngine
import MimicStore
import MimicTUI

/// Dashboard states with fixed numbers, for snapshots that read the same on every
/// machine. The engine's event types cannot be built from outside, so real recorded
/// events serve as templates whose public fields are set to formulaic values.
enum Scene {
    static var plan: RunPlan {
        for event in RecordedRun.events { if case .runStarted(let plan) = event { return plan } }
        fatalError("the recorded run has no plan")
    }

    static var template: TrainingProgress {
        for event in RecordedRun.events { if case .progress(let p) = event, p.test != nil { return p } }
        fatalError("the recorded run has no epoch-end point")
    }

    static var report: ExperimentReport {
        for event in RecordedRun.events { if case .runFinished(let report) = event { return report } }
        fatalError("the recorded run has no report")
    }

    /// The events of a run whose curves follow smooth formulas: every model's loss
    /// falls and its accuracy rises with the samples it has seen.
    /// `lower` takes that much off every model's accuracy ceiling: a past run that did worse.
    static func events(upTo limit: Int? = nil, lower: Double = 0) -> [TrainingEvent] {
        let plan = plan
        var events: [TrainingEvent] = [.runStarted(plan)]
        var results: [ModelResult] = []
        var mentorAccuracy = 0.0
        for model in plan.models {
            let role = model.id.role
            events.append(.phaseStarted(role == .mentor ? .mentor : .student(index: model.id.index, of: 2)))
            if role == .student && model.id.index == 1 { events.insert(.phaseStarted(.annotating), at: events.count - 1) }
            let perEpoch = role == .student ? plan.split.unlabeled : plan.split.labeled
            let ceiling = (role == .mentor ? 0.9 : 0.88 + 0.09 * Double(model.id.index - 1)) - lower
            let rate = role == .mentor ? 1.2 : 2.0
            var result = ModelResult(id: model.id, parameters: model.parameters,
                                     forwardFLOPsPerSample: model.forwardFLOPsPerSample, status: .finished)
            for epoch in 1...model.epochs {
                for window in 1...4 {
                    var point = template
                    point.model = model.id
                    point.epoch = epoch
                    point.epochs = model.epochs
                    point.samplesSeen = (epoch - 1) * perEpoch + window * perEpoch / 4
                    let t = Double(point.samplesSeen) / Double(perEpoch)
                    point.trainingTime = t * 2
                    point.trainLoss = 2 * exp(-t) + 0.1 + 0.05 * Double(window % 2)
                    point.trainAccuracy = ceiling * (1 - exp(-1.5 * t))
                    point.samplesPerSecond = 1234
                    point.validation = nil
                    if window == 4 {
                        var test = template.test!
                        test.accuracy = ceiling * (1 - exp(-rate * t))
                        test.loss = 2 * exp(-0.9 * t) + 1.2 - ceiling
                        test.agreement = role == .mentor ? nil : test.accuracy * 0.98
                        point.test = test
                        result.test = test
                        if role != .mentor, result.timeToParity == nil, test.accuracy >= mentorAccuracy {
                            result.timeToParity = point.trainingTime
                        }
                    } else {
                        point.test = nil
                    }
                    events.append(.progress(point))
                }
                result.epochsCompleted = epoch
                result.trainingTime = Double(epoch) * 2
            }
            if role == .mentor { mentorAccuracy = result.test!.accuracy }
            results.append(result)
            events.append(.modelFinished(result))
        }
        var report = report
        report.results = results
        report.wallTime = 20
        events.append(.phaseStarted(.done))
        events.append(.runFinished(report))
        return Array(events.prefix(limit ?? events.count))
    }

    /// The dashboard after the data set loaded, Space at t=100, and `events`, at t=112.5.
    static func state(width: Int, height: Int, events count: Int? = nil) -> DashboardState {
        var state = DashboardState(config: RecordedRun.config, width: width, height: height, themeNames: ["dark", "light"])
        _ = DashboardReducer.reduce(&state, .dataLoaded(RecordedRun.dataSet))
        _ = DashboardReducer.reduce(&state, .tick(now: 100))
        _ = DashboardReducer.reduce(&state, .key(.character(" ")))
        _ = DashboardReducer.reduce(&state, .tick(now: 112.5))
        for event in events(upTo: count) { _ = DashboardReducer.reduce(&state, .engine(event)) }
        return state
    }

    /// Three runs of the store as the runs pane lists them; run 3 is the one on screen
    /// in the watch scenes.
    static let pastRuns: [PastRun] = [
        PastRun(id: 3, started: "11-20 14:05", status: .running, dataSet: "synthetic", mentor: "fc32",
                students: ["fc16", "linear"], bestStudentAccuracy: nil, bestStudent: nil),
        PastRun(id: 2, started: "11-19 09:41", status: .done, dataSet: "synthetic", mentor: "fc32",
                students: ["fc16", "linear"], bestStudentAccuracy: 0.8722, bestStudent: "linear"),
        PastRun(id: 1, started: "11-18 17:02", status: .interrupted, dataSet: "fashion-mnist", mentor: "cnn-l",
                students: ["cnn-s"], bestStudentAccuracy: nil, bestStudent: nil),
    ]

    /// Run 2 of `pastRuns`: the same models, each a few points worse.
    static var pastRun: RunState { RunState.replaying(events(lower: 0.1), config: RecordedRun.config) }

    /// `state` with the store's runs listed and run 2 overlaid.
    static func withPastRuns(_ state: DashboardState, overlaid: Bool = true) -> DashboardState {
        var state = state
        _ = DashboardReducer.reduce(&state, .pastRuns(pastRuns))
        if overlaid {
            state.overlays = [RunOverlay(id: 2, pendingRead: 1)]
            _ = DashboardReducer.reduce(&state, .pastRunLoaded(id: 2, read: 1, run: pastRun))
        }
        return state
    }

    /// `mimic watch` on run 3 (started 10 s before the dashboard's clock began), after
    /// `events` of it were read from the store, at t=12.5.
    static func watching(width: Int, height: Int, events count: Int? = nil) -> DashboardState {
        var state = DashboardState(config: RecordedRun.config, width: width, height: height, themeNames: ["dark", "light"])
        _ = DashboardReducer.reduce(&state, .startedWatching(WatchedRun(id: 3, status: .running), config: RecordedRun.config,
                                                             startedAt: -10))
        _ = DashboardReducer.reduce(&state, .tick(now: 12.5))
        _ = DashboardReducer.reduce(&state, .watchedStatus(.running, wallSeconds: nil))
        for event in events(upTo: count) { _ = DashboardReducer.reduce(&state, .engine(event)) }
        return state
    }

    /// The dashboard with the data set loaded and no run yet.
    static func idle(width: Int = 80, height: Int = 24) -> DashboardState {
        var state = DashboardState(config: RecordedRun.config, width: width, height: height, themeNames: ["dark", "light"])
        _ = DashboardReducer.reduce(&state, .dataLoaded(RecordedRun.dataSet))
        return state
    }
}

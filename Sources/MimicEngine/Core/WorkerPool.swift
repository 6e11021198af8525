#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The threads behind `Parallel.run`: started once, reused for every split.
///
/// Dispatch's concurrentPerform allocated five blocks on every call, 52 per cnn-l
/// step; here the only allocation is the 32-byte box in which `withoutActuallyEscaping`
/// hands the caller's closure to the workers (13 per cnn-l step on two threads, none on
/// one). A job is published through one atomic word, the calling thread works on it
/// too, and idle workers spin for a few tens of microseconds (the usual gap between
/// two splits of one step) before they sleep, so they neither burn a core between
/// steps as OpenBLAS's `sched_yield` loop does nor wait for a wake-up inside one.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// The job's generation (high 32 bits) and its next unclaimed part (low 32 bits).
    /// A thread claims a part by advancing this word, which fails if the job it read
    /// is no longer the current one: so a late worker can never run an old job's
    /// closure, whose captures are gone.
    private let state = Atomic<UInt64>(0)
    /// Parts of the current job not finished yet.
    private let remaining = Atomic<Int>(0)
    // Written by the calling thread before the release store to `state` publishes them.
    private var job: ((Int) -> Void)?
    private var parts = 0

    /// Held by the thread whose job is running. Another thread that calls `run` then
    /// (tests run concurrently), or a part that splits again, runs its parts itself:
    /// the parts are the same, only who runs them differs.
    private var caller = pthread_mutex_t()
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var done = pthread_cond_t()
    /// Workers asleep on `wake`, and whether the caller sleeps on `done`; under `mutex`.
    private var sleepers = 0
    private var callerWaits = false
    private var workers = 0

    /// How long an idle thread spins before it sleeps.
    private static let spinNanoseconds: UInt64 = 50_000

    private init() {
        pthread_mutex_init(&caller, nil)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        pthread_cond_init(&done, nil)
    }

    /// Runs `body(part)` for part in 0..<parts, on the calling thread and the workers.
    func run(parts: Int, _ body: (Int) -> Void) {
        guard pthread_mutex_trylock(&caller) == 0 else {
            for part in 0..<parts { body(part) }
            return
        }
        defer { pthread_mutex_unlock(&caller) }
        startWorkers(upTo: parts - 1)
        withoutActuallyEscaping(body) { body in
            job = body
            self.parts = parts
            remaining.store(parts, ordering: .relaxed)
            let generation = (state.load(ordering: .relaxed) >> 32) &+ 1
            state.store(generation << 32, ordering: .releasing)
            pthread_mutex_lock(&mutex)
            if sleepers > 0 { pthread_cond_broadcast(&wake) }
            pthread_mutex_unlock(&mutex)

            work(generation: generation)
            if remaining.load(ordering: .acquiring) > 0 {
                waitUntilFinished()
            }
            job = nil
        }
    }

    /// Claims and runs parts of job `generation` until none is left.
    private func work(generation: UInt64) {
        while true {
            let current = state.load(ordering: .acquiring)
            guard current >> 32 == generation else { return }
            let part = Int(current & 0xffff_ffff)
            guard part < parts else { return }
            guard state.compareExchange(expected: current, desired: current &+ 1, ordering: .acquiringAndReleasing).exchanged
            else { continue }
            job!(part)
            if remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                pthread_mutex_lock(&mutex)
                if callerWaits { pthread_cond_signal(&done) }
                pthread_mutex_unlock(&mutex)
            }
        }
    }

    private func waitUntilFinished() {
        let deadline = Self.now() &+ Self.spinNanoseconds
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins & 255 == 0 && Self.now() > deadline { break }
        }
        pthread_mutex_lock(&mutex)
        callerWaits = true
        while remaining.load(ordering: .acquiring) > 0 {
            pthread_cond_wait(&done, &mutex)
        }
        callerWaits = false
        pthread_mutex_unlock(&mutex)
    }

    private func workerLoop() {
        var seen: UInt64 = 0
        while true {
            let deadline = Self.now() &+ Self.spinNanoseconds
            var spins = 0
            var generation = state.load(ordering: .acquiring) >> 32
            while generation == seen {
                spins += 1
                if spins & 255 == 0 && Self.now() > deadline {
                    pthread_mutex_lock(&mutex)
                    sleepers += 1
                    while state.load(ordering: .acquiring) >> 32 == seen {
                        pthread_cond_wait(&wake, &mutex)
                    }
                    sleepers -= 1
                    pthread_mutex_unlock(&mutex)
                }
                generation = state.load(ordering: .acquiring) >> 32
            }
            seen = generation
            work(generation: generation)
        }
    }

    private func startWorkers(upTo count: Int) {
        while workers < count {
            #if canImport(Darwin)
            var thread: pthread_t?
            #else
            var thread = pthread_t()
            #endif
            let context = Unmanaged.passUnretained(self).toOpaque()
            let started = pthread_create(&thread, nil, { WorkerPool.enter($0) }, context)
            precondition(started == 0, "the engine could not start a worker thread (error \(started))")
            #if canImport(Darwin)
            pthread_detach(thread!)
            #else
            pthread_detach(thread)
            #endif
            workers += 1
        }
    }

    private static func enter(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
        Unmanaged<WorkerPool>.fromOpaque(context!).takeUnretainedValue().workerLoop()
        return nil
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}

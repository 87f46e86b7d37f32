// Random-number engine and samplers.
//
// A trial's randomness is a pure function of (seed, trial index, stream id): every entity
// (account, operator, project, ISV) owns its own stream, so editing one entity leaves every
// other entity's draws unchanged (common random numbers; see docs/model.md, "Streams").
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace revsim {

/// Kinds of top-level draws, for the instrumented count of draws per trial (bench/, docs/performance.md).
enum class DrawKind : int { uniform, normal, exponential, gamma, beta, poisson_small, poisson_large, engine_word };
inline constexpr int kDrawKinds = 8;
inline constexpr std::array<const char*, kDrawKinds> kDrawKindNames{
    "uniform", "normal", "exponential", "gamma", "beta", "poisson (mu < 10)", "poisson (mu >= 10)", "engine words"};

/// Per-thread counts of top-level sampler calls (a beta's inner gammas are not counted again)
/// and of raw 64-bit engine outputs. Only a build with REVSIM_COUNT_DRAWS defined counts; in
/// every other build the hooks compile to nothing.
struct DrawCounts {
  std::array<std::uint64_t, kDrawKinds> n{};
  int depth = 0;
};
#ifdef REVSIM_COUNT_DRAWS
inline thread_local DrawCounts draw_counts;
/// Counts a top-level call of `kind` for the scope's lifetime (nested calls are not counted).
class CountDraw {
 public:
  explicit CountDraw(DrawKind kind) noexcept {
    if (draw_counts.depth++ == 0) ++draw_counts.n[static_cast<int>(kind)];
  }
  ~CountDraw() { --draw_counts.depth; }
  CountDraw(const CountDraw&) = delete;
  CountDraw& operator=(const CountDraw&) = delete;
};
#define REVSIM_COUNT_DRAW(kind) const ::revsim::CountDraw revsim_count_draw_(::revsim::DrawKind::kind)
#define REVSIM_COUNT_WORD() (++::revsim::draw_counts.n[static_cast<int>(::revsim::DrawKind::engine_word)])
#else
#define REVSIM_COUNT_DRAW(kind) static_cast<void>(0)
#define REVSIM_COUNT_WORD() static_cast<void>(0)
#endif

/// SplitMix64 step (Steele, Lea, Flood 2014): used only to seed and to derive stream keys.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

/// Stable 64-bit id of a stream name (FNV-1a), e.g. "internet/BigCloud A".
constexpr std::uint64_t stream_id(std::string_view name) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// Combine a stream id with an index (the k-th project, the j-th ISV of an industry).
constexpr std::uint64_t stream_id(std::uint64_t base, std::uint64_t index) noexcept {
  std::uint64_t s = base ^ (index * 0xd1342543de82ef95ULL);
  return splitmix64(s);
}

/// xoshiro256++ (Blackman & Vigna 2019). Satisfies the UniformRandomBitGenerator concept,
/// so Boost.Random and <random> distributions accept it.
class Xoshiro256pp {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  explicit Xoshiro256pp(std::uint64_t seed = 0) noexcept {
    std::uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }

  /// An engine in a given state (for checking against the reference implementation).
  static Xoshiro256pp from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3) noexcept {
    Xoshiro256pp e;
    e.s_[0] = s0;
    e.s_[1] = s1;
    e.s_[2] = s2;
    e.s_[3] = s3;
    return e;
  }

  result_type operator()() noexcept {
    REVSIM_COUNT_WORD();
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17U;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << static_cast<unsigned>(k)) | (x >> static_cast<unsigned>(64 - k));
  }
  std::uint64_t s_[4]{};
};

/// A stream of random variates: the engine plus the samplers the model uses.
class Random {
 public:
  Random() = default;
  /// The stream of (seed, trial, stream): a pure function of the three.
  Random(std::uint64_t seed, std::uint64_t trial, std::uint64_t stream) noexcept
      : engine_(key(seed, trial, stream)) {}

  static std::uint64_t key(std::uint64_t seed, std::uint64_t trial, std::uint64_t stream) noexcept {
    return key(trial_prefix(seed, trial), stream);
  }
  /// The part of key() that depends on (seed, trial) only: a trial computes it once for all its
  /// streams (key(seed, trial, s) == key(trial_prefix(seed, trial), s)).
  static std::uint64_t trial_prefix(std::uint64_t seed, std::uint64_t trial) noexcept {
    std::uint64_t k = seed;
    k = splitmix64(k) ^ trial;
    return splitmix64(k);
  }
  static std::uint64_t key(std::uint64_t prefix, std::uint64_t stream) noexcept {
    std::uint64_t k = prefix ^ stream;
    return splitmix64(k);
  }
  /// The stream of a key (Random(seed, trial, s) is from_key(key(seed, trial, s))).
  static Random from_key(std::uint64_t key) noexcept {
    Random r;
    r.engine_ = Xoshiro256pp(key);
    return r;
  }

  Xoshiro256pp& engine() noexcept { return engine_; }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() noexcept {
    REVSIM_COUNT_DRAW(uniform);
    return static_cast<double>(engine_() >> 11U) * 0x1.0p-53;
  }
  /// Uniform on (0, 1]: safe for logarithms.
  double uniform_pos() noexcept {
    REVSIM_COUNT_DRAW(uniform);
    return (static_cast<double>(engine_() >> 11U) + 1.0) * 0x1.0p-53;
  }
  double uniform(double a, double b) noexcept { return a + (b - a) * uniform(); }
  bool bernoulli(double p) noexcept { return uniform() < p; }
  /// Standard normal (Boost.Random's ziggurat).
  double normal();
  /// Exponential with the given mean.
  double exponential(double mean) noexcept {
    REVSIM_COUNT_DRAW(exponential);
    return -mean * std::log(uniform_pos());
  }
  /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 by the u^(1/a) boost.
  double gamma(double shape);
  /// Beta(a, b) as G_a / (G_a + G_b).
  double beta(double a, double b);
  /// Poisson with mean mu: inversion for small means, PTRS (Hormann 1993) above.
  std::uint64_t poisson(double mu);
  /// Poisson with mean 0 < mu < 10 by inversion (sequential search, one uniform), given
  /// exp_neg_mu = exp(-mu): the variate poisson(mu) draws, without the exp when the caller has it.
  std::uint64_t poisson_inversion(double mu, double exp_neg_mu) noexcept {
    REVSIM_COUNT_DRAW(poisson_small);
    double p = exp_neg_mu;
    double f = p;
    const double u = uniform();
    std::uint64_t k = 0;
    while (u > f && k < 1000) {
      ++k;
      p *= mu / static_cast<double>(k);
      f += p;
    }
    return k;
  }

 private:
  Xoshiro256pp engine_;
};

/// Standard normal CDF.
inline double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x * 0.70710678118654752440); }

}  // namespace revsim

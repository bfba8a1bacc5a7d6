// The transcript parser's throughput in bytes per second, on a synthetic transcript shaped like
// the corpus bench/gen_corpus.py writes: alternating turns, about 60% of participant turns coded,
// with simple, multi-line, nested and multi-open segments.
#include <benchmark/benchmark.h>

#include <string>

#include "framework/codebook.h"
#include "framework/diagnostic.h"
#include "framework/transcript.h"

namespace {

using framework::Diagnostics;
using framework::ParseOptions;
using framework::ParseTranscript;

const char* const kWords[] = {"support", "the",      "training", "was", "really",   "about",
                              "risk",    "families", "and",      "we",  "talked",   "with",
                              "police",  "honestly", "a",        "lot", "referral", "course"};

std::string Prose(unsigned& state, int words) {
  std::string out;
  for (int i = 0; i < words; ++i) {
    state = state * 1103515245u + 12345u;
    if (i) out += (i % 13 == 0) ? "\n" : " ";
    out += kWords[(state >> 16) % (sizeof kWords / sizeof *kWords)];
  }
  return out;
}

// A transcript of `turns` turns, about 62 KB at 120 turns. `non_ascii` mixes in Welsh and
// Chinese words and curly quotes.
std::string MakeTranscript(int turns, bool non_ascii) {
  unsigned state = 7;
  std::string t = "---\nparticipant: P00001\ndate: 2024-03-01\n---\n";
  for (int i = 0; i < turns; ++i) {
    if (i % 2 == 0) {
      t += "INT: Can you say a bit more about " + Prose(state, 9) + "?\n\n";
      continue;
    }
    std::string a = Prose(state, 40), b = Prose(state, 40), c = Prose(state, 40);
    if (non_ascii) b += " Gwasanaethau cymdeithasol “cwtch” 社会工作 – Łódź";
    t += "P00001: " + a + " ";
    switch (i % 10) {
      case 1:
        t += "{training.access}" + b + "{/training.access} ";
        break;
      case 3:
        t += "{role.caseload, training.gaps}" + b + "{/} ";
        break;
      case 5:
        t += "{treatment.provision}" + b + " {role.background}" + c +
             "{/treatment.provision} more{/role.background} ";
        break;
      case 7:
        t += "{training.content}" + b + "{/training.content} ";
        break;
      default:
        t += b + " ";
    }
    t += c + "\n\n";
  }
  return t;
}

framework::CodeIndex MakeCodes() {
  const char* yaml =
      "framework: 1\ntitle: Bench\ntranscripts: transcripts/\nparticipants: p.yaml\n"
      "speakers: {INT: interviewer}\nthemes:\n"
      "  - id: training\n    subthemes: [{id: access}, {id: gaps}, {id: content}]\n"
      "  - id: role\n    subthemes: [{id: caseload}, {id: background}]\n"
      "  - id: treatment\n    subthemes: [{id: provision}]\n";
  Diagnostics d;
  return framework::LoadFramework("framework.yaml", yaml, d).codes;
}

void BM_ParseTranscript(benchmark::State& state) {
  const std::string text = MakeTranscript(120, state.range(1) != 0);
  const framework::CodeIndex codes = MakeCodes();
  ParseOptions options;
  options.speakers = {{"INT", framework::SpeakerRole::kInterviewer}};
  options.stem = "P00001";
  options.codes = &codes;
  options.keep_text = state.range(0) != 0;
  for (auto _ : state) {
    Diagnostics d;
    auto t = ParseTranscript("transcripts/P00001.txt", text, options, d);
    benchmark::DoNotOptimize(t);
    if (!d.empty()) state.SkipWithError("the benchmark transcript has diagnostics");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
  state.counters["bytes"] = static_cast<double>(text.size());
}
// Arguments: keep_text (0/1), non_ascii (0/1).
BENCHMARK(BM_ParseTranscript)
    ->ArgNames({"keep_text", "non_ascii"})
    ->Args({1, 0})
    ->Args({0, 0})
    ->Args({1, 1});

}  // namespace

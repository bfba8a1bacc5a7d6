// The framework.yaml loader: YAML through yaml-cpp, then themes, sub-themes, codes, speakers.
// fuzz-seeds: tests/studies/*/framework.yaml examples/*/framework.yaml
// fuzz-seeds: tests/studies-chart/*/framework.yaml
// fuzz-dict: yaml.dict
#include "framework/codebook.h"
#include "fuzz_target.h"

FRAMEWORK_FUZZ_TARGET(framework_yaml) {
  framework::Framework f = framework::LoadFramework("framework.yaml", data, diagnostics);
  for (const framework::Theme& theme : f.themes)
    for (const framework::Subtheme& sub : theme.subthemes) (void)f.Resolve(theme.id + "." + sub.id);
}

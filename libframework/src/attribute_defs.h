// Attribute declarations, shared by framework.yaml (types for a CSV) and participants.yaml.
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "framework/codebook.h"
#include "framework/source_text.h"

namespace framework {

/// Loads `attributes: {name: {type: ..., values: [...], description: ...}}`.
std::vector<AttributeDef> LoadAttributeDefs(const SourceText& source, const YAML::Node& node,
                                            Diagnostics& diagnostics);

}  // namespace framework

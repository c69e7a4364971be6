#!/usr/bin/env bash
# Re-record every shipped run against the loopback GitHub (about 15 s on 2 cores).
# Each run is one of the published model's ten scenarios, re-enacted by the reference worker
# at packit-service bc1f66bb (the model's era), plus the worker at HEAD b828c3d7.
set -euo pipefail
cd "$(dirname "$0")"
rec() { local name=$1; shift; api-tracer record --out "$name" --name "$name" "$@"; }
C="--profile packit-service@bc1f66bb"
HEAD="--profile packit-service@b828c3d7"
# the published scenarios, in the published order
rec c-3ch                         $C --chroots 3 --config-file .packit.yaml --description "published #1: 3 chroots, .packit.yaml"
rec c-6ch                         $C --chroots 6 --config-file .packit.yaml --description "published #2: 6 chroots, .packit.yaml"
rec c-3ch-packit-yaml             $C --chroots 3 --config-file packit.yaml --description "published #3: 3 chroots, packit.yaml"
rec c-6ch-packit-yaml             $C --chroots 6 --config-file packit.yaml --description "published #4: 6 chroots, packit.yaml"
rec c-6ch-no-tests                $C --chroots 6 --config-file .packit.yaml --no-tests --description "published #5: 6 chroots, tests off"
rec c-6ch-packit-yaml-once        $C --chroots 6 --config-file packit.yaml --load-once --description "published #6: config loaded once"
rec c-6ch-packit-yaml-once-flags  $C --chroots 6 --config-file packit.yaml --load-once --build-flags-only --description "published #7: + build flags only"
rec c-6ch-once-flags-nospec       $C --chroots 6 --config-file .packit.yaml --no-spec-search --load-once --build-flags-only --description "published #8: + no spec search (2 calls per config load)"
rec c-6ch-once-flags-nospec-private $C --chroots 6 --config-file .packit.yaml --no-spec-search --load-once --build-flags-only --private-once --description "published #9: + is_private once"
rec c-3ch-once-flags-nospec-private $C --chroots 3 --config-file .packit.yaml --no-spec-search --load-once --build-flags-only --private-once --description "published #10: 3 chroots, all improvements"
# the worker today
rec head-3ch                      $HEAD --chroots 3 --description "packit-service HEAD, 3 chroots, .packit.yaml"
rec head-6ch                      $HEAD --chroots 6 --description "packit-service HEAD, 6 chroots, .packit.yaml"
rec head-3ch-app                  $HEAD --chroots 3 --auth app --description "packit-service HEAD, 3 chroots, as a GitHub App (installation tokens minted per ogr project)"

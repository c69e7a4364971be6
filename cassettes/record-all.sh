#!/usr/bin/env bash
# Re-record every shipped run against the loopback GitHub (about 25 s on 2 cores).
# Each run is one of the published model's ten scenarios, re-enacted by the reference worker
# at packit-service bc1f66bb (the model's era), plus the worker at HEAD b828c3d7, plus the
# configurations the model has no parameter for (no .fmf tree, an admin, a sender who cannot
# merge, PR comments on success, the "opened" webhook).
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
# configurations outside the model's parameters
rec c-3ch-no-fmf                  $C --chroots 3 --no-fmf --description "bc1f66bb, 3 chroots, no .fmf/version: Testing Farm's installability test"
rec head-3ch-no-fmf               $HEAD --chroots 3 --no-fmf --description "HEAD, 3 chroots, no .fmf/version: Testing Farm's installability test"
rec head-3ch-admin                $HEAD --chroots 3 --admin --description "HEAD, 3 chroots, the sender is a service admin (no allowlist permission check)"
rec head-3ch-read-author          $HEAD --chroots 3 --permission read --description "HEAD, 3 chroots, the PR's author has read permission (the allowlist reads the PR)"
rec head-3ch-opened               $HEAD --chroots 3 --pr-action opened --description "HEAD, 3 chroots, the pull_request 'opened' webhook"
rec head-3ch-success-comment      $HEAD --chroots 3 --success-comment --description "HEAD, 3 chroots, notifications.pull_request.successful_build (token: every chroot comments)"
rec head-3ch-app-success-comment  $HEAD --chroots 3 --auth app --success-comment --description "HEAD, 3 chroots, as a GitHub App, successful_build comments (one comment, the duplicate check finds it)"

#!/usr/bin/env bash
# Run the Rasa half of `bench.nlu --dataset NAME` to the end on a machine with too little memory for it.
#
#   bench/peers/rasa/supervise.sh phoatis            # var/slot-data/phoatis -> var/peers/rasa-result-phoatis.json
#   LIMIT_GB=10 bench/peers/rasa/supervise.sh phoatis
#
# DIET's resident memory grows by about 1 GB an epoch on PhoATIS (measured December 2026: 4 GB after
# featurising, 13.5 GB after epoch 4, whatever the batch size), so one process cannot train its 100 epochs
# on a 24 GB machine. runner.py --checkpoint-dir saves the whole training state after every epoch
# (resumable.py); this loop kills the runner when it passes LIMIT_GB and starts it again, which resumes from
# the last saved epoch. Each restart featurises the data again (a few minutes). It runs at the lowest CPU
# priority, so other work on the machine is not slowed, and stops when the result file exists. Progress:
# var/peers/rasa-supervise-NAME.log (time, resident kB, epochs done).
set -euo pipefail
cd "$(dirname "$0")/../../.."
name=${1:?usage: supervise.sh DATASET-NAME (a folder under var/slot-data)}
limit_kb=$(( ${LIMIT_GB:-13} * 1024 * 1024 ))
python=var/peers/rasa-venv/bin/python
result=var/peers/rasa-result-$name.json
checkpoint=var/peers/rasa-checkpoint-$name
log=var/peers/rasa-supervise-$name.log
[ -x "$python" ] || { echo "no Rasa venv: run bench/peers/rasa/setup.sh first" >&2; exit 2; }
[ -d "var/slot-data/$name/train" ] || { echo "no var/slot-data/$name: run python -m bench.slot_data first" >&2; exit 2; }

epochs_done() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['epochs_done'])" \
                  "$checkpoint/state.json" 2>/dev/null || echo 0; }

for attempt in $(seq 1 100); do
  [ -s "$result" ] && { echo "done: $result"; exit 0; }
  echo "start $attempt $(date -u +%FT%TZ) at epoch $(epochs_done)" >> "$log"
  nice -n 19 "$python" bench/peers/rasa/runner.py "var/slot-data/$name/train" "var/slot-data/$name/test" \
    "$result" --checkpoint-dir "$checkpoint" >> "$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')
    if [ -n "$rss" ]; then
      echo "$(date -u +%T) $rss $(epochs_done)" >> "$log"
      if [ "$rss" -gt "$limit_kb" ]; then
        echo "over ${LIMIT_GB:-13} GB: restarting from the last saved epoch" >> "$log"
        kill "$pid"; sleep 20; kill -9 "$pid" 2>/dev/null || true
      fi
    fi
    sleep 30
  done
  wait "$pid" || true
done
echo "gave up after 100 starts; see $log" >&2
exit 1

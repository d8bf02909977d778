"""The Zalo Official Account channel: citizens write to the city's OA, the assistant answers there.

Zalo calls ``POST /webhooks/zalo`` for every event (a message, a photo, a location, a follow);
the channel answers through the OA API's consultation endpoint (``POST /v3.0/oa/message/cs``).
Nothing a citizen sends is lost and nothing is answered twice, whatever crashes:

::

    Zalo ──event──▶ webhook: verify signature, store raw event ──200──▶ Zalo       (intake, inbox)
                        │ (wakes)
                        ▼
                    worker: claim event ─▶ dialogue turn ─┐ one transaction:         (processor, store)
                                                          ├ event done, turn stored,
                                                          └ reply rows in the outbox
                        │ (wakes)
                        ▼
                    sender: claim reply row ─▶ POST /v3.0/oa/message/cs ─▶ sent      (delivery, outbox)
                              (retry with backoff; look up before resending; refresh token once)

=========================  ==================================================================
module                     what it holds
=========================  ==================================================================
:mod:`.signature`          ``X-ZEvent-Signature``: sha256(app_id + body + timestamp + OA secret)
:mod:`.events`             the webhook events (Pydantic), their keys for de-duplication
:mod:`.webhook`            the checks before an event is stored, and the store (no side effect
                           on refusal)
:mod:`.inbox`              stored events: store, claim, complete
:mod:`.claims`             how rows are claimed across threads and processes, in order per user
:mod:`.store`              the conversation store whose turns also complete the event and
                           queue the reply (same transaction)
:mod:`.processor`          what each event does (text, image, location, follow, unfollow)
:mod:`.render`             a reply as Zalo messages: text within 2,000 characters, buttons
:mod:`.outbox`             the outbox: enqueue, claim, sent/retry/fail, the operators' sweep
:mod:`.errors`             Zalo's error codes and what each means for a reply
:mod:`.api`                the HTTP calls to Zalo (send, conversation, token refresh)
:mod:`.tokens`             the OA's tokens: kept in the database, refreshed by one process
:mod:`.delivery`           one reply to Zalo, with the look-up, the token refresh, the outcome
:mod:`.worker`             the background threads of a server process
:mod:`.channel`            all of it assembled (what ``hueai/api/zalo.py`` builds)
:mod:`.status`             ``hueai zalo status``: token, queue depths, latest problems
:mod:`.standin`            a local stand-in for Zalo's OpenAPI and OAuth hosts, for tests and
                           the benchmark, and a client that sends signed events
=========================  ==================================================================

May import: :mod:`core`, :mod:`nlu`, :mod:`knowledge`, :mod:`dialogue` (like every channel).
"""

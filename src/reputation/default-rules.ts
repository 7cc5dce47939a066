/**
 * The response rules mxlb ships (`mxlb reputation rules` prints them; docs/reputation.md explains
 * them). Kept as YAML text so operators copy and edit the very same format for their own
 * `rules-file`; a TypeScript module rather than a .yaml asset so the compiled package needs no
 * file lookups.
 */
export const DEFAULT_RULES_YAML = String.raw`# mxlb's shipped response rules: the well-known throttling and block replies of the big mailbox
# providers. They apply to every member that receives delivery outcomes unless its zone turns
# them off ("reputation: { rules: none }") or replaces them ("rules-file: …").
# A rule matches "<dsn> <reply text>" of deferred, bounced and expired outcomes (case-insensitive
# regex), counts matches per member, and when "trigger" is reached acts for "duration":
# "quarantine" takes the member out of answers; "scale F" multiplies its weight by F.
# Triggers and durations follow KumoMTA's shipped shaping rules where they exist.
# A rule with "provider:" acts on that provider's names only (a balanced name with the same
# "provider:") when the member serves one, else on the member as a whole; "scope: member" or
# "scope: provider" fixes it either way (docs/reputation.md "Rules per provider").
rules:
  # Gmail: 421-4.7.28 "… unusual rate of unsolicited mail originating from your IP address …"
  - name: gmail-unusual-rate
    provider: gmail
    match: '4\.7\.28.*unusual rate'
    trigger: 2/1h
    action: scale 0.25
    duration: 30m
  # Gmail: 550-5.7.1 "… likely unsolicited mail …" / "… very low reputation …"
  - name: gmail-blocked
    provider: gmail
    match: '5\.7\.1.*(likely unsolicited|very low reputation|blocked)'
    trigger: 5/1h
    action: quarantine
    duration: 2h
  # Microsoft: 550 5.7.1 … (S3150) IP on Microsoft's block list
  - name: microsoft-s3150
    provider: microsoft
    match: 'S3150|block list'
    trigger: 5/1h
    action: quarantine
    duration: 2h
  # Microsoft: 451 4.7.650 / 4.7.651 "… temporarily rate limited due to IP reputation …"
  - name: microsoft-rate-limited
    provider: microsoft
    match: '4\.7\.65[01]|temporarily rate limited'
    trigger: 3/1h
    action: quarantine
    duration: 30m
  # Microsoft: 451 4.7.500 "Server busy. Please try again later from [IP]. (S77719)"
  - name: microsoft-server-busy
    provider: microsoft
    match: '4\.7\.500|S77719'
    trigger: 5/1h
    action: scale 0.5
    duration: 30m
  # Microsoft: 421 RP-001 / RP-002 / RP-003 "… we have limits for how many messages (connections) …"
  - name: microsoft-rp-limits
    provider: microsoft
    match: '\bRP-00[123]\b'
    trigger: 5/1h
    action: scale 0.5
    duration: 30m
  # Yahoo: 421 4.7.0 [TSS04] "Messages from IP temporarily deferred due to unexpected volume or user complaints"
  - name: yahoo-tss04
    provider: yahoo
    match: '\[TSS04\]'
    trigger: immediate
    action: quarantine
    duration: 2h
  # Yahoo: [TSS05] the same, longer
  - name: yahoo-tss05
    provider: yahoo
    match: '\[TSS05\]'
    trigger: immediate
    action: quarantine
    duration: 4h
  # Yahoo: [IPTS04] the IP has a poor reputation
  - name: yahoo-ipts04
    provider: yahoo
    match: '\[IPTS04\]'
    trigger: immediate
    action: quarantine
    duration: 4h
  # Any provider: 553 5.7.1 [BL…] / "… listed at Spamhaus …": the IP is on a Spamhaus list
  - name: spamhaus-block
    match: '553 5\.7\.1 \[BL|spamhaus'
    trigger: 3/1h
    action: quarantine
    duration: 4h
`;

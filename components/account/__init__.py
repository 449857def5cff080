"""The account baseline: what one AWS account (and region) needs once, whatever it runs.

One module per capability, each a component with Args like the rest of groundwork:

    audit_trail.py       AuditTrail: a multi-region CloudTrail trail, KMS-encrypted, into an
                         Object Lock bucket with access logging and lifecycle
    config_recorder.py   ConfigRecorder: the AWS Config recorder, delivery channel and status
    threat_detection.py  ThreatDetection: the GuardDuty detector and its protection plans
    security_hub.py      SecurityHub: Security Hub with the FSBP standard (CIS optional)
    account_settings.py  AccountSettings: EBS encryption by default, S3 account-level Block Public
                         Access, the IAM password policy, the alternate security contact
    budget.py            Budget: a monthly cost budget alerting an encrypted SNS topic
    baseline.py          AccountBaseline: all of the above, each switchable

The hardened bucket the trail and the Config delivery share is groundwork's one bucket
helper, `components/buckets.py`. The account program (`account/__main__.py`) builds one
`AccountBaseline` from its stack config; docs/account.md says what each piece does and when to
switch it off.
"""

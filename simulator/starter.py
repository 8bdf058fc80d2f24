"""Starter scenarios for `tabletop new`: a small, commented exercise per domain that validates and lints clean."""

from __future__ import annotations

import os
import shlex
import textwrap
from pathlib import Path

from simulator.bundled import bundled_dir
from simulator.msel import slugify, yaml_scalar

SCHEMA_FILE = "tabletop-1.schema.json"

# Per domain: the words that change; the shape (and the lessons in the comments) stay the same.
DOMAINS: dict[str, dict[str, str]] = {
    "maritime": {
        "title": "Dark tanker in the strait",
        "summary": "A tanker switches off its transponder near a busy lane. The coast guard must decide "
        "how to respond and keep an EU liaison informed.",
        "team1": "coastguard",
        "team1_name": "National Coast Guard",
        "team1_nation": "Indonesia",
        "team2": "eu-liaison",
        "team2_name": "EU maritime liaison cell",
        "team2_nation": "EU",
        "lead": "watch-officer",
        "lead_name": "Coast guard watch officer",
        "support": "ops-chief",
        "support_name": "Coast guard operations chief",
        "partner": "eu-officer",
        "partner_name": "EU liaison officer",
        "var": "distance_nm",
        "var_label": "Suspect vessel's distance to territorial waters",
        "unit": "nm",
        "initial": "30",
        "change": "-2",
        "opening_from": "Vessel traffic service",
        "opening_channel": "radio",
        "opening_title": "Tanker goes dark",
        "opening_body": "Watch officer, VTS. The tanker MT Seabird switched off AIS ten minutes ago,\n"
        "heading north-west at 11 knots. Radar still holds her.",
        "prompt": "How do you respond?",
        "good": "intercept",
        "good_label": "Dispatch a patrol vessel to intercept",
        "weak": "monitor",
        "weak_label": "Keep monitoring by radar only",
        "followup_from": "Patrol vessel KN Tanjung",
        "followup_title": "Patrol vessel on scene",
        "followup_body": "On scene. The tanker is alongside a smaller vessel; hoses appear connected.",
        "escalation_from": "Vessel traffic service",
        "escalation_title": "Radar contact lost",
        "escalation_body": "We have lost the tanker on radar in heavy rain. Last seen heading for the anchorage.",
        "query_from": "Regional news agency",
        "query_title": "Journalist asks about a ship-to-ship transfer",
        "query_body": "Fishermen posted photos of two ships tied together at night. Is the coast guard aware?",
        "silence_from": "EU liaison desk",
        "silence_title": "EU partners ask for an update",
        "silence_body": "We see reports of a dark tanker in your area. Can you share what you know?",
        "objective": "Share maritime domain awareness with the EU liaison within 15 minutes.",
        "capability": "Intelligence and Information Sharing",
        "message": "Tanker MT Seabird dark since 06:00, patrol vessel dispatched; track attached.",
    },
    "cyber": {
        "title": "Ransomware at the port community system",
        "summary": "Servers of a port community system start encrypting files. The operator must contain "
        "the attack and report to the national CERT.",
        "team1": "operator",
        "team1_name": "Port community system operator",
        "team1_nation": "Singapore",
        "team2": "national-cert",
        "team2_name": "National CERT",
        "team2_nation": "Singapore",
        "lead": "soc-lead",
        "lead_name": "SOC lead",
        "support": "cio",
        "support_name": "Chief information officer",
        "partner": "cert-analyst",
        "partner_name": "CERT duty analyst",
        "var": "hosts_encrypted",
        "var_label": "Hosts encrypted",
        "unit": "hosts",
        "initial": "3",
        "change": "4",
        "opening_from": "Security monitoring",
        "opening_channel": "chat",
        "opening_title": "Mass file encryption on application servers",
        "opening_body": "EDR alert: three application servers are renaming files to *.tide at high rate.\n"
        "A remote-support account logged in from an unknown address at 05:40.",
        "prompt": "How do you contain it?",
        "good": "isolate",
        "good_label": "Isolate the affected network segment now",
        "weak": "observe",
        "weak_label": "Keep watching to learn more about the attacker",
        "followup_from": "Network team",
        "followup_title": "Segment isolated",
        "followup_body": "The application segment is cut off. Shipping agents cannot submit manifests.",
        "escalation_from": "Security monitoring",
        "escalation_title": "Encryption reaches the database cluster",
        "escalation_body": "Database servers now show the same pattern. Backups are next on the same network.",
        "query_from": "Shipping agents' association",
        "query_title": "Agents cannot reach the portal",
        "query_body": "Our members cannot file manifests. Is this an outage or an attack? When will it be back?",
        "silence_from": "National CERT watch desk",
        "silence_title": "CERT asks about reports of an incident",
        "silence_body": "We are seeing chatter about a port system being hit. Are you affected?",
        "objective": "Report the incident to the national CERT within 15 minutes of detection.",
        "capability": "Cybersecurity",
        "message": "Ransomware on our application servers since 05:40; segment isolated; IOCs to follow.",
    },
    "cbrn": {
        "title": "Suspicious powder at the ferry terminal",
        "summary": "A parcel leaks white powder in a ferry terminal. Responders must protect people and "
        "bring in the public health authority.",
        "team1": "fire-rescue",
        "team1_name": "Fire and rescue service",
        "team1_nation": "Philippines",
        "team2": "health",
        "team2_name": "Public health authority",
        "team2_nation": "Philippines",
        "lead": "incident-commander",
        "lead_name": "Incident commander",
        "support": "hazmat-lead",
        "support_name": "Hazmat team leader",
        "partner": "health-officer",
        "partner_name": "Public health duty officer",
        "var": "people_exposed",
        "var_label": "People possibly exposed",
        "unit": "people",
        "initial": "12",
        "change": "6",
        "opening_from": "Terminal security",
        "opening_channel": "phone",
        "opening_title": "White powder leaking from a parcel",
        "opening_body": "A parcel at the check-in desk is leaking white powder. Two staff report itching eyes.\n"
        "Passengers are still queuing around the desk.",
        "prompt": "What do you order first?",
        "good": "cordon",
        "good_label": "Cordon the hall and hold everyone for decontamination",
        "weak": "evacuate",
        "weak_label": "Evacuate the whole terminal at once",
        "followup_from": "Hazmat team",
        "followup_title": "Cordon in place",
        "followup_body": "Hall cordoned. Twelve people held inside; decontamination tent going up.",
        "escalation_from": "Terminal security",
        "escalation_title": "People leaving the terminal",
        "escalation_body": "Passengers are leaving through the car park. Some have boarded a bus into the city.",
        "query_from": "Television news desk",
        "query_title": "Reporter at the terminal",
        "query_body": "Our crew is outside the terminal. Is this a chemical attack? Are passengers safe?",
        "silence_from": "Public health emergency centre",
        "silence_title": "Hospital reports patients from the terminal",
        "silence_body": "A hospital has two patients from the ferry terminal with skin irritation. What happened?",
        "objective": "Inform the public health authority within 15 minutes of the first report.",
        "capability": "Environmental Response/Health and Safety",
        "message": "Suspicious powder at the ferry terminal, twelve people held for decontamination.",
    },
    "ct": {
        "title": "Threat to a summit venue",
        "summary": "Intelligence warns of a planned attack on a summit venue. Police and the host "
        "nation's security service must act and warn a foreign delegation.",
        "team1": "police",
        "team1_name": "National police",
        "team1_nation": "Malaysia",
        "team2": "delegation",
        "team2_name": "Visiting EU delegation security",
        "team2_nation": "EU",
        "lead": "gold-commander",
        "lead_name": "Police gold commander",
        "support": "intel-officer",
        "support_name": "Police intelligence officer",
        "partner": "delegation-rso",
        "partner_name": "Delegation security officer",
        "var": "threat_level",
        "var_label": "Assessed threat level",
        "unit": "/5",
        "initial": "2",
        "change": "0.5",
        "opening_from": "Intelligence liaison",
        "opening_channel": "email",
        "opening_title": "Credible threat to the summit venue",
        "opening_body": "A partner service reports that a cell plans a vehicle attack on the summit venue\n"
        "tomorrow morning. Source reliability: usually reliable.",
        "prompt": "What do you do first?",
        "good": "harden",
        "good_label": "Harden the venue perimeter and raise the alert level",
        "weak": "verify",
        "weak_label": "Wait for the report to be verified",
        "followup_from": "Venue security",
        "followup_title": "Perimeter hardened",
        "followup_body": "Vehicle barriers in place on all three approaches; armed patrols doubled.",
        "escalation_from": "Traffic police",
        "escalation_title": "Rental van circling the venue",
        "escalation_body": "A rental van has passed the venue three times in twenty minutes. Plates are cloned.",
        "query_from": "Summit organisers",
        "query_title": "Organisers ask whether to go ahead",
        "query_body": "Rumours are circulating among staff. Should we postpone tomorrow's opening session?",
        "silence_from": "Delegation security office",
        "silence_title": "Delegation asks about the threat",
        "silence_body": "We have heard of a threat to the venue from our own service. Why were we not told?",
        "objective": "Warn the visiting delegation's security within 15 minutes.",
        "capability": "Intelligence and Information Sharing",
        "message": "Credible vehicle-attack threat against the venue; perimeter being hardened.",
    },
    "hybrid": {
        "title": "Disinformation after an undersea cable cut",
        "summary": "An undersea cable is cut and false stories blame a neighbour. The government must "
        "restore service and counter the story with a partner nation.",
        "team1": "government",
        "team1_name": "Government crisis cell",
        "team1_nation": "Viet Nam",
        "team2": "partner",
        "team2_name": "Partner nation embassy",
        "team2_nation": "Japan",
        "lead": "crisis-coordinator",
        "lead_name": "Crisis coordinator",
        "support": "spokesperson",
        "support_name": "Government spokesperson",
        "partner": "embassy-attache",
        "partner_name": "Embassy attaché",
        "var": "false_story_reach",
        "var_label": "Reach of the false story",
        "unit": "k views",
        "initial": "20",
        "change": "15",
        "opening_from": "Telecom regulator",
        "opening_channel": "phone",
        "opening_title": "Undersea cable cut; stories blame a neighbour",
        "opening_body": "The main international cable is cut 40 km offshore. Social media accounts claim\n"
        "a neighbouring navy did it. Internet capacity is down by half.",
        "prompt": "How do you handle the story?",
        "good": "statement",
        "good_label": "Issue a factual public statement now",
        "weak": "silence",
        "weak_label": "Say nothing until the cause is known",
        "followup_from": "Spokesperson's office",
        "followup_title": "Statement published",
        "followup_body": "The statement is out. Major outlets carry it; the false story is slowing.",
        "escalation_from": "Social media monitoring",
        "escalation_title": "False story goes viral",
        "escalation_body": "The claim is trending nationally; a protest is called outside the neighbour's embassy.",
        "query_from": "International wire service",
        "query_title": "Wire service asks for comment",
        "query_body": "Do you confirm that a foreign navy cut the cable? We publish in thirty minutes.",
        "silence_from": "Partner embassy",
        "silence_title": "Partner embassy asks for a briefing",
        "silence_body": "Our capital asks what happened to the cable and whether you need help. Please brief us.",
        "objective": "Brief the partner nation within 15 minutes and speak with one voice.",
        "capability": "Public Information and Warning",
        "message": "Cable cut 40 km offshore, cause unknown; we are issuing a factual statement.",
    },
}

TEMPLATE = """\
# yaml-language-server: $schema={modeline}
# ^ Editors with the YAML language server (VS Code's Red Hat YAML extension, Neovim, Helix, …)
#   read this first line and then complete and check every key as you type.{schema_hint}
#
# A starter {domain} scenario written by `tabletop new`. It validates and lints clean, so change it
# a piece at a time and re-run:
#   tabletop validate {filename}    # the schema and every id reference
#   tabletop lint {filename}        # design warnings (injects that never fire, unmeasured objectives, …)
#   tabletop simulate {filename}    # play it headless with the model answer at the end of this file
#   tabletop msel {filename} --format md   # the Master Scenario Events List a trainer prints
# The authors' guide is docs/authoring.md; every field is listed in its field reference.

schema: tabletop/1          # the language version; always tabletop/1
id: {id}          # unique id, taken from the file name
title: {title}
domain: {domain}            # maritime, cyber, cbrn, ct (counter-terrorism) or hybrid
summary: >
  {summary}
duration: 1h                # scenario time; durations read 90s, 15m, 1h30m
start: "2026-06-01T06:00:00+08:00"   # in-world clock at T+0 (quoted, with its UTC offset)

# Teams are agencies, nations or organisations; roles are the seats at the table.
# Recipients, deciders and scoring can name either a role or a whole team.
teams:
  - {{id: {team1}, name: {team1_name}, kind: agency, nation: {team1_nation}}}
  - {{id: {team2}, name: {team2_name}, kind: agency, nation: {team2_nation}}}

roles:
  - id: {lead}
    name: {lead_name}
    team: {team1}
    description: Takes the first decision.
  - id: {support}
    name: {support_name}
    team: {team1}
  - id: {partner}
    name: {partner_name}
    team: {team2}

# The world state: numbers that injects, decisions and dynamics change and players may see.
state:
  {var}:
    label: {var_label}
    unit: {unit}
    initial: {initial}
    min: 0
    visible_to: [{team1}]   # role or team ids, or all

# Dynamics change a variable at a steady pace until a condition holds.
dynamics:
  - id: {var}-trend
    var: {var}
    every: 5m
    change: {change}
    until: {{chose: {{decision: first-response, option: {good}}}}}

# Objectives say what the exercise tests, each tied to a core capability.
objectives:
  - id: inform-partner
    text: {objective}
    capability: {capability}

injects:
  # A timed inject with a decision. Options carry effects; a deadline can lapse.
  - id: opening
    at: 0s
    from: {opening_from}
    to: [{lead}, {support}]
    channel: {opening_channel}       # email, phone, radio, news, social, sitrep, briefing, chat, handout, video
    priority: high
    title: {opening_title}
    body: |
{opening_body}
    expected_action: Decide quickly and inform the {team2_name}.
    objectives: [inform-partner]
    decision:
      id: first-response
      prompt: {prompt}
      by: [{lead}]
      deadline: 10m
      options:
        - id: {good}
          label: {good_label}
          effects:
            - schedule: {{inject: follow-up, in: 5m}}   # deliver another inject later
        - id: {weak}
          label: {weak_label}
          effects:
            - add: {{{var}: {change}}}                 # make things worse at once
            - schedule: {{inject: escalation, in: 5m}}
      on_timeout:                                 # no choice in time: the situation escalates
        - schedule: escalation

  # An inject with neither `at` nor `when` arrives only when an option schedules it.
  - id: follow-up
    from: {followup_from}
    to: [{lead}]
    channel: radio
    title: {followup_title}
    body: {followup_body}

  # A contingency inject steers play back when the expected action does not happen.
  - id: escalation
    category: contingency
    from: {escalation_from}
    to: [{team1}]
    channel: phone
    priority: high
    title: {escalation_title}
    body: {escalation_body}
    expected_action: Take the decision now.

  # Another timed inject, for a different seat.
  - id: outside-query
    at: 15m
    from: {query_from}
    to: [{support}]
    channel: phone
    title: {query_title}
    body: {query_body}

  # A conditional contingency inject: fires at 20m unless the first team has messaged the second.
  - id: partner-chases
    when: {{all: [{{after: 20m}}, {{not: {{message: {{from: {team1}, to: {team2}}}}}}}]}}
    category: contingency
    from: {silence_from}
    to: [{partner}]
    channel: email
    title: {silence_title}
    body: {silence_body}
    notes: Send only if the partner has not been told; it shows the cost of silence.

# Scoring: expectations earn points toward objectives; the share of points gives P/S/M/U.
scoring:
  expectations:
    - id: partner-told
      objective: inform-partner
      description: The {team1_name} messages the {team2_name} soon after the first report.
      message_to_any: [{team2}]
      by: [{team1}]
      after: opening
      within: 15m
      points: 2
    - id: good-choice
      objective: inform-partner
      description: The first decision is taken in time with the stronger option.
      decision: first-response
      option: {good}
      within: 10m
      after: opening
  ratings: {{P: 0.85, S: 0.6, M: 0.3}}

# Questions for the hot wash right after play.
hotwash:
  - id: went-well
    text: What went well in the first fifteen minutes?
  - id: change
    text: What would you change in how your teams share information?

# The model answer: what a well-prepared team does. `tabletop simulate` plays it by default.
model:
  decisions:
    first-response:
      option: {good}
      delay: 3m
      rationale: Acting early limits the damage and buys time for partners.
  messages:
    - from: {lead}
      to: [{team2}]
      after: opening
      delay: 5m
      text: {message}
"""

SCHEMA_HINT = """
#   The path points at the schema in your Tabletop installation. To keep a copy next to this
#   file instead, run `tabletop schema > tabletop-1.schema.json` and change the first line to
#   `# yaml-language-server: $schema=tabletop-1.schema.json`."""


def schema_reference(target: Path) -> tuple[str, bool]:
    """What the modeline should name for a file at `target`, and whether that is the installed copy.

    A schema file next to the target (as in the repository's scenarios/) wins, so files there keep the
    short relative form; otherwise the absolute path of the schema shipped with Tabletop.
    """
    folder = target.resolve().parent
    if (folder / SCHEMA_FILE).is_file():
        return SCHEMA_FILE, False
    installed = bundled_dir() / SCHEMA_FILE
    if installed.is_file():
        return os.fspath(installed.resolve()), True
    return SCHEMA_FILE, False


def scenario_id_for(path: Path) -> str:
    """A valid scenario id from a file name ("My drill.yaml" → "my-drill")."""
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    return slugify(stem, 64) or "my-scenario"


def starter_text(path: Path, domain: str = "maritime") -> str:
    """The commented starter scenario for a file at `path`."""
    words = DOMAINS[domain]
    modeline, installed = schema_reference(path)
    # Numbers stay bare; free text that YAML could misread is quoted; the two block texts are indented.
    verbatim = ("summary", "opening_body", "initial", "change")
    values = {key: value if key in verbatim else yaml_scalar(value) for key, value in words.items()}
    values["summary"] = "\n  ".join(textwrap.wrap(words["summary"], 96))
    values["opening_body"] = "\n".join("      " + line for line in words["opening_body"].split("\n"))
    values.update(
        modeline=modeline,
        schema_hint=SCHEMA_HINT if installed else "",
        domain=domain,
        filename=shlex.quote(path.name),
        id=scenario_id_for(path),
    )
    return TEMPLATE.format(**values)

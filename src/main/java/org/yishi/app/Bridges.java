package org.yishi.app;

import org.yishi.platform.config.AppConfig;
import org.yishi.report.PdfDocuments;
import org.yishi.member.PdfRendering;
import org.yishi.member.MemberAccountStore;
import org.yishi.checkin.CheckinMembers;
import org.yishi.topic.TopicStore;
import org.yishi.topic.TopicStatus;
import org.yishi.topic.TopicSource;
import org.yishi.request.RequestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.yishi.meeting.CalendarFeeds;
import org.yishi.meeting.CommitteeMembers;
import org.yishi.meeting.OutcomeFiling;
import org.yishi.member.MemberStore;
import org.yishi.member.StationLookup;
import org.yishi.outcome.OutcomeService;
import org.yishi.outcome.OutcomeStore;
import org.yishi.plan.Committees;
import org.yishi.plan.PlanStore;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.web.PageRequest;
import org.yishi.report.ReportSources;
import org.yishi.station.StationStore;
import org.yishi.stats.StatsService;
import org.yishi.topic.TopicNeighbours;
import org.yishi.account.UserRoutes;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

/**
 * The root's adapters between features: each feature states what it needs of another as an
 * interface of its own (caller-owned), and these implement them with the other feature's store or
 * service. Nothing here holds a rule: each method forwards to one call of the owner.
 */
final class Bridges {
  private Bridges() {
  }

  /** home → report: the report schedules in force and when each runs next, for the city's queue. */
  static org.yishi.home.HomeRoutes.ReportSchedules reportSchedules(org.yishi.report.ReportService reports) {
    return now -> reports.schedules().map(list -> {
      JsonArray out = new JsonArray();
      list.stream().filter(org.yishi.report.ReportService.Schedule::enabled).forEach(sc -> out.add(sc.toJson(reports.zone(), now)));
      return out;
    });
  }

  /** member → station: the stations members are assigned to. */
  static StationLookup stationLookup(StationStore stations) {
    return new StationLookup() {
      @Override
      public Future<JsonObject> byId(long id) {
        return stations.byId(id);
      }

      @Override
      public Future<JsonObject> byIdForUpdate(SqlClient tx, long id) {
        return stations.byIdForUpdate(tx, id);
      }

      @Override
      public Future<String> divisionOf(long id) {
        return stations.divisionOf(id);
      }
    };
  }

  /** plan → member: the committees plans belong to. */
  static Committees committees(MemberStore members) {
    return new Committees() {
      @Override
      public Future<JsonArray> committees(String prefix) {
        return members.committees(prefix);
      }

      @Override
      public Future<JsonObject> committee(SqlClient client, long id) {
        return members.committee(client, id);
      }
    };
  }

  /** topic → station, plan: a topic's station and the plan item it carries out. */
  static TopicNeighbours topicNeighbours(StationStore stations, PlanStore plans, MemberStore members) {
    return new TopicNeighbours() {
      @Override
      public Future<JsonObject> station(long stationId) {
        return stations.byId(stationId);
      }

      @Override
      public Future<JsonObject> stations(Jurisdiction jurisdiction, PageRequest page) {
        return stations.list(jurisdiction, new StationStore.Filter(null, null, null, null), page);
      }

      @Override
      public Future<JsonArray> planItemChoices(String districtCode) {
        return plans.itemChoices(districtCode);
      }

      @Override
      public Future<String> committeeCodeOfPlanItem(SqlClient client, long itemId) {
        return plans.committeeCodeOfItem(client, itemId);
      }

      @Override
      public Future<JsonArray> proposerChoices(String districtCode) {
        return members.candidatesFor(districtCode);
      }

      @Override
      public Future<Void> requireProposer(SqlClient client, String districtCode, String field, long memberId) {
        // one member: the refusal names the field itself, not an element of a list
        return members.requireEligible(client, districtCode, field, List.of(memberId)).recover(err ->
            Future.failedFuture(err instanceof org.yishi.platform.http.AppException
                ? org.yishi.platform.http.AppException.invalid(field, "field.member.notEligible") : err));
      }
    };
  }

  /** meeting → member: who may be invited to and attend a district's meetings. */
  static CommitteeMembers committeeMembers(MemberStore members) {
    return new CommitteeMembers() {
      @Override
      public Future<JsonArray> candidatesFor(String districtCode) {
        return members.candidatesFor(districtCode);
      }

      @Override
      public Future<Void> requireEligible(SqlClient client, String districtCode, String field, List<Long> memberIds) {
        return members.requireEligible(client, districtCode, field, memberIds);
      }
    };
  }

  /** member → topic, outcome: what a member's record counts of topics and outcomes naming them. */
  static org.yishi.member.MemberContributions memberContributions(TopicStore topics, OutcomeStore outcomes) {
    return (ids, year) -> {
      Future<java.util.Map<Long, Long>> proposed = topics.proposedCounts(ids, year);
      Future<java.util.Map<Long, JsonObject>> named = outcomes.memberCounts(ids, year);
      return Future.all(proposed, named).map(v -> {
        java.util.Map<Long, JsonObject> out = new java.util.HashMap<>(named.result());
        proposed.result().forEach((id, n) -> out.computeIfAbsent(id, k -> new JsonObject()).put("proposed", n));
        return out;
      });
    };
  }

  /** outcome → member: who may be named on a district's outcomes. */
  static org.yishi.outcome.OutcomeMembers outcomeMembers(MemberStore members) {
    return new org.yishi.outcome.OutcomeMembers() {
      @Override
      public Future<Void> requireEligible(io.vertx.sqlclient.SqlClient client, String districtCode, String field,
                                          java.util.List<Long> memberIds) {
        return members.requireEligible(client, districtCode, field, memberIds);
      }

      @Override
      public Future<JsonArray> candidates(String districtCode) {
        return members.candidatesFor(districtCode);
      }
    };
  }

  /** An outcome filed with a record, read and not yet created. */
  private record FiledOutcome(OutcomeStore.OutcomeValues values, OutcomeService outcomes) implements OutcomeFiling.Pending {
    @Override
    public Future<JsonObject> insert(io.vertx.sqlclient.SqlClient tx, org.yishi.platform.security.Principal actor, long meetingId) {
      return outcomes.insert(tx, actor, meetingId, values);
    }
  }

  /** meeting → outcome: the outcomes filed with a record, read and created by the outcome feature's rules. */
  static OutcomeFiling outcomeFiling(OutcomeService outcomes) {
    return new OutcomeFiling() {
      @Override
      public Pending read(org.yishi.platform.web.Input in, java.time.LocalDate today) {
        return new FiledOutcome(OutcomeService.values(in, today), outcomes);
      }

      @Override
      public Future<java.util.List<JsonObject>> insertAll(io.vertx.sqlclient.SqlClient tx, org.yishi.platform.security.Principal actor,
                                                          long meetingId, java.util.List<Pending> pending) {
        return outcomes.insertAll(tx, actor, meetingId, pending.stream().map(p -> ((FiledOutcome) p).values()).toList());
      }

      @Override
      public void publishCreated(JsonObject outcome) {
        outcomes.publishCreated(outcome);
      }
    };
  }

  /** account → meeting: an account's calendar feed links on its admin page. */
  static UserRoutes.CalendarFeedLinks calendarFeedLinks(CalendarFeeds feeds) {
    return new UserRoutes.CalendarFeedLinks() {
      @Override
      public Future<JsonArray> of(long accountId) {
        return feeds.of(accountId);
      }

      @Override
      public Future<Boolean> revoke(Principal actor, long accountId, long feedId) {
        return feeds.revoke(actor, accountId, feedId);
      }
    };
  }

  /** report → stats, outcome, member: what a report is made of. */
  static ReportSources reportSources(StatsService stats, OutcomeStore outcomes, MemberStore members) {
    return new ReportSources() {
      @Override
      public Future<JsonObject> rollup(String unitCode, YearMonth from, YearMonth to) {
        return stats.rollup(unitCode, from, to);
      }

      @Override
      public Future<JsonObject> dormantStations(String unitCode, YearMonth to, int limit) {
        return stats.dormantStations(unitCode, to, limit);
      }

      @Override
      public Future<JsonObject> overdueOutcomes(String unitCode, int limit) {
        return outcomes.list(Jurisdiction.division(unitCode),
            new OutcomeStore.Filter(null, true, null, null, null, null), new PageRequest(1, limit));
      }

      @Override
      public Future<JsonObject> typicalOutcomes(String prefix, Instant from, Instant until, int limit) {
        return outcomes.typicalMarked(prefix, from, until, limit);
      }

      @Override
      public Future<JsonArray> committees(String prefix) {
        return members.committees(prefix);
      }
    };
  }

  /** What residents' requests need of topics: a draft made from a request, in the triage's transaction. */
  static RequestService.TopicDrafts topicDrafts(TopicStore topics) {
    return (tx, stationId, title, description, category, actor) -> topics.insert(tx, stationId,
            new TopicStore.TopicValues(title, description, category, TopicSource.RESIDENTS, null, null, null, null, null, null, null),
            actor.id())
        .compose(id -> topics.addHistory(tx, id, null, TopicStatus.DRAFT, null, actor.id(), actor.shownName()).map(id));
  }

  /** What check-in needs of members: the member linked to an account, and who may be invited. */
  static CheckinMembers checkinMembers(MemberAccountStore accounts, MemberStore members) {
    return new CheckinMembers() {
      @Override
      public Future<Long> memberOf(long accountId) {
        return accounts.memberOf(accountId);
      }

      @Override
      public Future<Void> requireEligible(SqlClient client, String districtCode, String field, List<Long> memberIds) {
        return members.requireEligible(client, districtCode, field, memberIds);
      }
    };
  }

  /** The member feature's PDF documents, rendered as the reports are (same fonts, same settings). */
  static PdfRendering pdfRendering(AppConfig.ReportSettings reports) {
    return new PdfRendering() {
      @Override
      public byte[] render(String xhtml) throws java.io.IOException {
        return PdfDocuments.render(xhtml, reports.pdfFont(), reports.pdfSystemFonts());
      }

      @Override
      public String fontFamilies() {
        return PdfDocuments.fontFamilies();
      }
    };
  }
}

/**
 * Is a rollout done? kubectl's rules (kubectl/pkg/polymorphichelpers/rollout_status.go), as
 * pure functions of an object's spec and status, plus Jobs (Complete or Failed condition), which
 * `rollout status` does not cover.
 */
export interface RolloutState {
  done: boolean;
  failed?: boolean;
  message: string;
}

type Obj = { kind: string; metadata: { name: string; generation?: number }; spec?: any; status?: any };

export function rolloutState(o: Obj): RolloutState | undefined {
  const name = o.metadata.name;
  const st = o.status ?? {};
  const gen = o.metadata.generation ?? 0;
  switch (o.kind) {
    case "Deployment": {
      if (gen > (st.observedGeneration ?? 0)) return { done: false, message: `deployment "${name}": waiting for the spec update to be observed` };
      const progressing = (st.conditions ?? []).find((c: { type: string }) => c.type === "Progressing");
      if (progressing?.reason === "ProgressDeadlineExceeded") return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
      const want = o.spec?.replicas ?? 1;
      const updated = st.updatedReplicas ?? 0;
      if (updated < want) return { done: false, message: `deployment "${name}": ${updated} of ${want} new replicas updated` };
      if ((st.replicas ?? 0) > updated) return { done: false, message: `deployment "${name}": ${(st.replicas ?? 0) - updated} old replicas pending termination` };
      if ((st.availableReplicas ?? 0) < updated) return { done: false, message: `deployment "${name}": ${st.availableReplicas ?? 0} of ${updated} updated replicas available` };
      return { done: true, message: `deployment "${name}" successfully rolled out` };
    }
    case "StatefulSet": {
      if (o.spec?.updateStrategy?.type && o.spec.updateStrategy.type !== "RollingUpdate") return { done: true, message: `statefulset "${name}": rollout status is only available with the RollingUpdate strategy` };
      if (!st.observedGeneration || gen > st.observedGeneration) return { done: false, message: `statefulset "${name}": waiting for the spec update to be observed` };
      const want = o.spec?.replicas ?? 1;
      if ((st.readyReplicas ?? 0) < want) return { done: false, message: `statefulset "${name}": ${st.readyReplicas ?? 0} of ${want} pods ready` };
      const partition = o.spec?.updateStrategy?.rollingUpdate?.partition;
      if (partition !== undefined && partition > 0) {
        if ((st.updatedReplicas ?? 0) < want - partition) return { done: false, message: `statefulset "${name}": partitioned roll out, ${st.updatedReplicas ?? 0} of ${want - partition} updated` };
        return { done: true, message: `statefulset "${name}": partitioned roll out complete` };
      }
      if (st.updateRevision !== st.currentRevision) return { done: false, message: `statefulset "${name}": ${st.updatedReplicas ?? 0} pods at revision ${st.updateRevision}` };
      return { done: true, message: `statefulset "${name}" rolling update complete` };
    }
    case "DaemonSet": {
      if (gen > (st.observedGeneration ?? 0)) return { done: false, message: `daemon set "${name}": waiting for the spec update to be observed` };
      const want = st.desiredNumberScheduled ?? 0;
      if ((st.updatedNumberScheduled ?? 0) < want) return { done: false, message: `daemon set "${name}": ${st.updatedNumberScheduled ?? 0} of ${want} updated pods scheduled` };
      if ((st.numberAvailable ?? 0) < want) return { done: false, message: `daemon set "${name}": ${st.numberAvailable ?? 0} of ${want} updated pods available` };
      return { done: true, message: `daemon set "${name}" successfully rolled out` };
    }
    case "Job": {
      const cond = (t: string) => (st.conditions ?? []).find((c: { type: string; status: string }) => c.type === t && c.status === "True");
      if (cond("Complete")) return { done: true, message: `job "${name}" complete` };
      const failed = cond("Failed");
      if (failed) return { done: false, failed: true, message: `job "${name}" failed: ${failed.message ?? failed.reason ?? ""}`.trim() };
      return { done: false, message: `job "${name}": ${st.succeeded ?? 0} succeeded, ${st.active ?? 0} active` };
    }
    default:
      return undefined;
  }
}

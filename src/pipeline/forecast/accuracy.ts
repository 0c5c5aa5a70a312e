/** Forecast accuracy measures of the backtest. */

/** One target hour of a backtest: the model's forecast, the seasonal-naive one, what happened. */
export interface ScoredHour {
  forecast: number;
  naive: number;
  actual: number;
}

export interface Accuracy {
  hours: number;
  mae: number;
  rmse: number;
  /** Mean absolute percentage error over hours with non-trivial load (see MAPE_MIN_SHARE); null when none. */
  mape: number | null;
  /** The seasonal-naive forecast's MAE over the same hours. */
  naiveMae: number;
  /** MAE / naive MAE: below 1 the model beats "same hour last week". Null when the naive MAE is 0. */
  mase: number | null;
}

/** Hours whose actual load is below this share of the mean are left out of MAPE (a near-zero actual makes any error infinite). */
export const MAPE_MIN_SHARE = 0.1;

/** MAE, RMSE, MAPE and MASE (against the seasonal-naive forecast over the same hours). */
export function accuracyOf(hours: readonly ScoredHour[]): Accuracy {
  if (!hours.length) throw new Error('accuracy of no hours');
  let abs = 0;
  let sq = 0;
  let naiveAbs = 0;
  let meanActual = 0;
  for (const h of hours) {
    abs += Math.abs(h.forecast - h.actual);
    sq += (h.forecast - h.actual) ** 2;
    naiveAbs += Math.abs(h.naive - h.actual);
    meanActual += h.actual;
  }
  meanActual /= hours.length;
  const significant = hours.filter((h) => h.actual > MAPE_MIN_SHARE * meanActual);
  const mape = significant.length ? significant.reduce((s, h) => s + Math.abs(h.forecast - h.actual) / h.actual, 0) / significant.length : null;
  const mae = abs / hours.length;
  const naiveMae = naiveAbs / hours.length;
  return { hours: hours.length, mae, rmse: Math.sqrt(sq / hours.length), mape, naiveMae, mase: naiveMae > 0 ? mae / naiveMae : null };
}

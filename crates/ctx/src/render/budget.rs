//! Choosing what fits: items are taken in render order; one that does not
//! fit is left out and later, smaller items may still fit.

/// Which of the items, costing `costs` tokens each, fit in `available`.
pub fn fit(costs: &[u64], available: u64) -> Vec<bool> {
    let mut left = available;
    costs
        .iter()
        .map(|&cost| {
            let fits = cost <= left;
            if fits {
                left -= cost;
            }
            fits
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn later_smaller_items_still_fit() {
        assert_eq!(fit(&[5, 10, 3, 2], 10), [true, false, true, true]);
        assert_eq!(fit(&[0, 1], 0), [true, false]);
        assert_eq!(fit(&[], 5), Vec::<bool>::new());
    }
}
